"""Parsing one MovieLens row's fields: no database, no files."""

import pytest

from catalog.models import MAX_YEAR, MIN_YEAR
from ratings.movielens.parsing import parse_title

# Titles


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", 1995)),
        ("Godfather, The (1972)", ("Godfather, The", 1972)),
        (
            "City of Lost Children, The (Cité des enfants perdus, La) (1995)",
            ("City of Lost Children, The (Cité des enfants perdus, La)", 1995),
        ),
        ("Black Mirror", ("Black Mirror", None)),
        ("Death Note: Desu nôto (2006–2007)", ("Death Note: Desu nôto", 2006)),
        ("Fawlty Towers (1975-1979)", ("Fawlty Towers", 1975)),
        ("Stranger Things (2016– )", ("Stranger Things", 2016)),
        ("1-900 (06) (1994)", ("1-900 (06)", 1994)),
        ("  Heat (1995) ", ("Heat", 1995)),
        ("Year (1000)", ("Year (1000)", None)),
    ],
)
def test_parse_title(raw, expected):
    assert parse_title(raw, years=range(MIN_YEAR, MAX_YEAR + 1)) == expected
