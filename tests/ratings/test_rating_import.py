import json
from decimal import Decimal

import pytest

from catalog.titles import normalize_title
from ratings.models import Rating
from ratings.rating_import import MAX_IMPORT_BYTES, ratings_import_file
from ratings.services import rating_upsert
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db

LETTERBOXD_HEADER = "Date,Name,Year,Letterboxd URI,Rating\n"
IMDB_HEADER = (
    "Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,"
    "Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n"
)


def imdb_line(const: str, rating: str, title: str, year: str) -> str:
    return (
        f'{const},{rating},2024-01-02,"{title}","{title}",https://www.imdb.com/title/{const}/,'
        f"Movie,8.1,120,{year},Drama,1000,{year}-01-01,Someone\n"
    )


def scores(user) -> dict[str, Decimal]:
    return dict(Rating.objects.filter(user=user).values_list("movie__title", "score"))


def lines(rows) -> list[int]:
    return [row.line for row in rows]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Godfather", "Godfather, The"),
        ("the godfather", "GODFATHER"),
        ("Amélie", "Amelie"),
        ("Schindler's List", "Schindlers List"),
        ("Fast & Furious", "Fast and Furious"),
        ("WALL·E", "WALL-E"),
        ("L'Atalante", "Atalante, L'"),
        ("Das Boot", "Boot, Das"),
        ("Les Misérables", "Misérables, Les"),
    ],
)
def test_titles_match_regardless_of_case_punctuation_and_articles(a, b):
    assert normalize_title(a) == normalize_title(b)


def test_letterboxd_file_is_matched_by_title_and_year(user):
    godfather = MovieFactory(title="Godfather, The", year=1972)
    MovieFactory(title="Heat", year=1995)
    MovieFactory(title="Amélie", year=2001)
    MovieFactory(title="Seven (a.k.a. Se7en)", year=1995)
    data = (
        LETTERBOXD_HEADER
        + "2024-01-01,The Godfather,1972,https://boxd.it/1,4.5\n"
        + "2024-01-02,heat,1995,https://boxd.it/2,3\n"
        + "2024-01-03,Amelie,2001,https://boxd.it/3,5\n"
        + "2024-01-04,Se7en,1995,https://boxd.it/4,0.5\n"
        + "2024-01-05,A Film Nobody Has,2020,https://boxd.it/5,2\n"
    ).encode()

    report = ratings_import_file(user=user, data=data, filename="ratings.csv")

    assert report.format == "letterboxd"
    assert lines(report.matched) == [2, 3, 4, 5]
    assert report.matched[0].movie == godfather
    assert [(row.line, row.title) for row in report.unmatched] == [(6, "A Film Nobody Has")]
    assert report.ambiguous == report.invalid == []
    assert scores(user) == {
        "Godfather, The": Decimal("4.5"),
        "Heat": Decimal("3.0"),
        "Amélie": Decimal("5.0"),
        "Seven (a.k.a. Se7en)": Decimal("0.5"),
    }
    godfather.refresh_from_db()
    assert (godfather.rating_count, godfather.rating_sum) == (1, Decimal("4.5"))


def test_natural_titles_match_files_spelling_them_either_way(user):
    # As the MovieLens import stores them: the natural title and MovieLens' spelling.
    das_boot = MovieFactory(
        title="Das Boot (The Boat)", movielens_title="Boot, Das (Boat, The)", year=1981
    )
    atalante = MovieFactory(title="L'Atalante", movielens_title="Atalante, L'", year=1934)
    data = (
        LETTERBOXD_HEADER
        + "2024-01-01,Das Boot,1981,,5\n"
        + '2024-01-02,"Boot, Das (Boat, The)",1981,,4\n'  # a file made from MovieLens' data
        + "2024-01-03,The Boat,1981,,4\n"
        + "2024-01-04,L'Atalante,1934,,3\n"
        + '2024-01-05,"Atalante, L\'",1934,,3\n'
    ).encode()

    report = ratings_import_file(user=user, data=data)

    assert [row.movie for row in report.matched] == [das_boot] * 3 + [atalante] * 2
    assert report.unmatched == report.ambiguous == []


def test_a_year_off_by_one_still_matches_but_not_further(user):
    MovieFactory(title="Heat", year=1995)
    data = (LETTERBOXD_HEADER + ",Heat,1996,,4\n,Heat,1997,,4\n").encode()
    report = ratings_import_file(user=user, data=data)
    assert lines(report.matched) == [2]
    assert lines(report.unmatched) == [3]


def test_malformed_rows_are_reported_with_line_numbers_and_the_rest_imported(user):
    MovieFactory(title="Heat", year=1995)
    data = (
        LETTERBOXD_HEADER.encode()
        + b"2024-01-01,Heat,1995,https://boxd.it/2,4\n"  # line 2: fine
        + b"2024-01-01,Heat,1995,https://boxd.it/2,7\n"  # 3: more than 5 stars
        + b"2024-01-01,Heat,1995,https://boxd.it/2,2.3\n"  # 4: not a half star
        + b"2024-01-01,Heat,1995,https://boxd.it/2,\n"  # 5: no rating
        + b"2024-01-01,Heat,1995\n"  # 6: too few columns
        + b"2024-01-01,Heat,nineteen,https://boxd.it/2,4\n"  # 7: bad year
        + b"2024-01-01,Am\xe9lie,2001,https://boxd.it/3,4\n"  # 8: Latin-1, not UTF-8
        + b"\n"  # blank lines are skipped, not reported
        + b"2024-01-01,Heat,1995,https://boxd.it/2,abc\n"  # 10: not a number
    )
    report = ratings_import_file(user=user, data=data)
    assert lines(report.matched) == [2]
    reasons = {row.line: row.reason for row in report.invalid}
    assert list(reasons) == [3, 4, 5, 6, 7, 8, 10]
    assert "'7' is not between 0.5 and 5" in reasons[3]
    assert "'2.3'" in reasons[4]
    assert reasons[5] == "has no rating"
    assert reasons[6] == "has 3 columns where the header has 5"
    assert "'nineteen' is not a year" in reasons[7]
    assert "UTF-8" in reasons[8]
    assert "not a number" in reasons[10]
    assert scores(user) == {"Heat": Decimal("4.0")}


NON_FINITE = ["NaN", "nan", "sNaN", "-NaN", "inf", "Infinity", "-inf"]


@pytest.mark.parametrize("score", NON_FINITE)
def test_a_non_finite_rating_is_a_row_error_in_either_layout(user, score):
    MovieFactory(title="Heat", year=1995, imdb_id="tt0113277")
    letterboxd = LETTERBOXD_HEADER + f"2024-01-01,Heat,1995,https://boxd.it/2,{score}\n"
    imdb = IMDB_HEADER + imdb_line("tt0113277", score, "Heat", "1995")
    for data, name in ((letterboxd, "letterboxd.csv"), (imdb, "imdb.csv")):
        report = ratings_import_file(user=user, data=data.encode(), filename=name)
        assert [(row.line, row.reason) for row in report.invalid] == [
            (2, f"rating {score!r} is not a number")
        ]
    assert not Rating.objects.exists()


def test_imdb_file_matches_by_imdb_id_then_title_and_halves_the_scores(user):
    MovieFactory(title="Godfather, The", year=1972, imdb_id="tt0068646")
    MovieFactory(title="Heat", year=1995, imdb_id="tt0113277")
    MovieFactory(title="Alien", year=1979)  # no IMDb id stored: found by title
    data = (
        IMDB_HEADER
        + imdb_line("tt0068646", "10", "Der Pate", "1972")  # the id wins over a foreign title
        + imdb_line("tt0113277", "7", "Heat", "1995")
        + imdb_line("tt0078748", "1", "Alien", "1979")
        + imdb_line("tt9999999", "11", "Heat", "1995")
        + imdb_line("tt8888888", "6", "Unknown Film", "2019")
    ).encode()

    report = ratings_import_file(user=user, data=data, filename="imdb.csv")

    assert report.format == "imdb"
    assert lines(report.matched) == [2, 3, 4]
    assert scores(user) == {
        "Godfather, The": Decimal("5.0"),
        "Heat": Decimal("3.5"),
        "Alien": Decimal("0.5"),
    }
    assert [(row.line, row.imdb_id) for row in report.unmatched] == [(6, "tt8888888")]
    assert "'11' is not between 1 and 10" in report.invalid[0].reason


def test_two_movies_with_the_same_title_and_year_are_ambiguous_and_not_rated(user):
    first = MovieFactory(title="Crash", year=1996)
    second = MovieFactory(title="Crash", year=1996, imdb_id="tt0115964")
    MovieFactory(title="Crash", year=2004)
    data = (LETTERBOXD_HEADER + ",Crash,1996,,3.5\n").encode()
    report = ratings_import_file(user=user, data=data)
    assert report.matched == []
    [row] = report.ambiguous
    assert row.candidates == [first, second]
    assert Rating.objects.filter(user=user).count() == 0


def test_hidden_movies_are_never_matched(user):
    MovieFactory(title="Secret Cut", year=2000, is_hidden=True)
    report = ratings_import_file(
        user=user, data=(LETTERBOXD_HEADER + ",Secret Cut,2000,,4\n").encode()
    )
    assert lines(report.unmatched) == [2]


def test_importing_again_updates_scores_and_counters_once(user):
    heat = MovieFactory(title="Heat", year=1995)
    rating_upsert(user=user, movie=heat, score="2.0")
    for _ in range(2):
        ratings_import_file(user=user, data=(LETTERBOXD_HEADER + ",Heat,1995,,4.5\n").encode())
    heat.refresh_from_db()
    assert scores(user) == {"Heat": Decimal("4.5")}
    assert (heat.rating_count, heat.rating_sum) == (1, Decimal("4.5"))


def test_report_as_dict_is_json_ready(user):
    heat = MovieFactory(title="Heat", year=1995)
    data = (LETTERBOXD_HEADER + ",Heat,1995,,4\n,Nope,1990,,4\n,Heat,1995,,9\n").encode()
    report = ratings_import_file(user=user, data="\ufeff".encode() + data)  # a BOM is fine
    payload = json.loads(json.dumps(report.as_dict()))
    assert payload["format"] == "letterboxd"
    assert payload["counts"] == {"matched": 1, "ambiguous": 0, "unmatched": 1, "invalid": 1}
    assert payload["matched"][0]["movie"] == {"id": heat.pk, "title": "Heat", "year": 1995}
    assert payload["matched"][0]["score"] == 4.0
    assert payload["invalid"][0]["line"] == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "unrecognised file"),
        (b"title,score\nHeat,4\n", "unrecognised file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV"),
        (b"\xff\xfe\xfa\n\x01\x02", "unrecognised file"),
        (LETTERBOXD_HEADER.encode() + b'a,"' + b"x" * 200_000 + b'",1995,,4\n', "not a readable"),
    ],
)
def test_files_that_are_not_an_export_are_refused(user, data, message):
    with pytest.raises(ValueError, match=message):
        ratings_import_file(user=user, data=data, filename="upload.bin")


def test_a_file_over_the_size_limit_is_refused_before_reading(user):
    data = (LETTERBOXD_HEADER + ",Heat,1995,,4\n" * (MAX_IMPORT_BYTES // 10)).encode()
    with pytest.raises(ValueError, match=r"the limit is 5 MB"):
        ratings_import_file(user=user, data=data)
    assert Rating.objects.count() == 0
