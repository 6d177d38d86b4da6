import pytest

from catalog.templatetags.movies import initials


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("The Big Lebowski", "BL"),
        ("Big Lebowski, The", "BL"),
        ("Das Boot (The Boat)", "B"),  # any language's article, not the alternative title
        ("Les Misérables", "M"),
        ("Heat", "H"),
        ("A", "A"),  # nothing but an article: it is the initial
    ],
)
def test_a_placeholders_initials_skip_articles(title, expected):
    assert initials(title) == expected
