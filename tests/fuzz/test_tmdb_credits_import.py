"""The TMDB credits importer on hostile cells: whatever a cast or crew cell holds, the
import ends in a per-row report, writes only valid credits and leaves other movies alone."""

from __future__ import annotations

import csv
import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.importers.tmdb_credits import tmdb_credits_import
from catalog.models import Credit
from jobs.progress import NullProgress
from tests.factories import CreditFactory, MovieFactory
from tests.tmdb_files import TMDB_5000_CREDITS_HEADER

pytestmark = pytest.mark.django_db

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
ENTRY = st.fixed_dictionaries(
    {},
    optional={
        "id": st.integers(-5, 2**40) | st.text(max_size=5) | st.none(),
        "name": st.text(max_size=400) | st.integers() | st.none(),
        "character": st.text(max_size=600) | st.lists(st.text(max_size=3)) | st.none(),
        "order": st.integers(-3, 2**40) | st.text(max_size=3) | st.none(),
        "job": st.sampled_from(["Director", "Screenplay", "Writer", "Producer", ""]),
        "profile_path": st.text(max_size=250) | st.none() | st.integers(),
    },
)
CELL = (
    st.lists(ENTRY, max_size=5).map(json.dumps)
    | JSON_VALUES.map(json.dumps)
    | JSON_VALUES.map(repr)
    | st.text(max_size=60)
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cast=CELL, crew=CELL, movie_id=st.sampled_from(["862", "abc", "", "-1", "99999999999"]))
def test_any_cell_ends_in_a_report_and_never_touches_another_movie(
    tmp_path_factory, cast, crew, movie_id
):
    path = tmp_path_factory.mktemp("credits") / "tmdb_5000_credits.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(TMDB_5000_CREDITS_HEADER)
        writer.writerow([movie_id, "Toy Story", cast, crew])

    with transaction.atomic():  # each example starts from the same two movies
        MovieFactory(tmdb_id=862)
        other = CreditFactory(movie=MovieFactory(tmdb_id=1), character="Kept")

        report = tmdb_credits_import(path=path, progress=NullProgress())

        assert report.rows_read == 1
        assert report.malformed + report.empty + report.movies_changed + report.unmatched == 1
        assert len(report.problems) == report.malformed + report.entries_skipped
        assert Credit.objects.get(pk=other.pk).character == "Kept"
        for credit in Credit.objects.exclude(pk=other.pk).select_related("person"):
            assert credit.person.name.strip() and credit.person.tmdb_id > 0
            assert credit.character == "" or credit.role == Credit.Role.CAST
        transaction.set_rollback(True)
