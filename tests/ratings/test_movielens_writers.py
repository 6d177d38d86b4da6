"""The MovieLens writers on the real embedded PostgreSQL: idempotency, updates, and bad
rows reported with their file and line."""

import re
from decimal import Decimal

import pytest

from catalog.models import Movie
from ratings.models import Rating
from tests.factories import UserFactory
from tests.ratings.movielens_fixtures import (
    CSV_MOVIES,
    CSV_RATINGS,
    CSV_TAGS,
    aggregates,
    at,
    counts,
    database_state,
    genre_names,
    movies,
    run_import,
    scores,
    write_1m_dataset,
    write_100k_dataset,
    write_csv_dataset,
    write_lines,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


# Idempotency and updates


@pytest.mark.parametrize("write", [write_csv_dataset, write_1m_dataset, write_100k_dataset])
def test_second_import_changes_nothing(tmp_path, write):
    folder = write(tmp_path)
    run_import(folder)
    before = database_state()

    again = run_import(folder)

    assert (again.inserted, again.updated) == (0, 0)
    assert all(f.unchanged > 0 and f.skipped == 0 for f in again.files)
    assert "0 inserted, 0 updated" in again.summary()
    assert database_state() == before


def test_changed_score_updates_the_rating_and_the_movie_mean(tmp_path):
    folder = write_csv_dataset(tmp_path)
    run_import(folder)
    ratings = CSV_RATINGS.copy()
    assert ratings[1] == "1,1,4.0,964982703"
    ratings[1] = "1,1,2.0,1500000000"
    write_lines(folder / "ratings.csv", ratings)

    report = run_import(folder)

    assert counts(report, "ratings.csv") == (5, 0, 1, 4, 0)
    rating = Rating.objects.get(user__movielens_id=1, movie__movielens_id=1)
    assert rating.score == Decimal("2.0")
    assert (rating.created_at, rating.updated_at) == (at(964982703), at(1500000000))
    assert aggregates()[1] == (2, Decimal("5.5"), 2.75)
    assert aggregates()[2] == (2, Decimal("5.5"), 2.75)  # untouched


def test_changed_title_genres_or_tags_mark_only_those_movies_for_embedding(tmp_path):
    folder = write_csv_dataset(tmp_path)
    run_import(folder)
    Movie.objects.update(needs_embedding=False)  # as if the embedding pipeline had run
    changed = CSV_MOVIES.copy()
    changed[1] = "1,Toy Story (1996),Adventure|Animation|Children|Comedy|Fantasy"  # year
    changed[2] = '2,"Godfather, The (1972)",Crime'  # a genre removed
    changed[4] = "4,Black Mirror,Drama|Thriller"  # genres added, one of them new
    write_lines(folder / "movies.csv", changed)
    write_lines(folder / "tags.csv", [*CSV_TAGS, "1,3,dreamlike,964982703"])

    report = run_import(folder)

    assert counts(report, "movies.csv") == (5, 0, 3, 2, 0)
    assert counts(report, "tags.csv") == (6, 0, 1, 2, 0)
    found = movies()
    assert {key for key, m in found.items() if m.needs_embedding} == {1, 2, 3, 4}
    assert found[1].year == 1996
    assert genre_names(found[2]) == {"Crime"}
    assert genre_names(found[4]) == {"Drama", "Thriller"}
    assert found[3].movielens_tags == ["dreamlike"]


def test_recording_movielens_spelling_alone_re_embeds_nothing(tmp_path):
    # As after the migration that made titles natural: the title is right, MovieLens'
    # spelling is not known yet.
    folder = write_csv_dataset(tmp_path)
    run_import(folder)
    Movie.objects.update(needs_embedding=False, movielens_title="")

    report = run_import(folder)

    assert counts(report, "movies.csv") == (5, 0, 5, 0, 0)
    found = movies()
    assert found[2].movielens_title == "Godfather, The"
    assert found[2].title == "The Godfather"
    assert not any(m.needs_embedding for m in found.values())


def test_tags_replace_the_previous_lists(tmp_path):
    folder = write_csv_dataset(tmp_path)
    run_import(folder)
    write_lines(folder / "tags.csv", [CSV_TAGS[0], "2,2,crime,1445714994"])

    report = run_import(folder)

    assert {key: m.movielens_tags for key, m in movies().items() if m.movielens_tags} == {
        2: ["crime"]
    }
    assert counts(report, "tags.csv") == (1, 0, 2, 0, 0)  # movie 1 cleared, movie 2 replaced


def test_tag_lists_keep_the_50_most_used(tmp_path):
    folder = write_csv_dataset(tmp_path)
    rows = [f"{user},1,tag{n:02},964982703" for n in range(60) for user in range(1, 2 + n % 3)]
    write_lines(folder / "tags.csv", [CSV_TAGS[0], *rows])

    run_import(folder)

    tags = Movie.objects.get(movielens_id=1).movielens_tags
    assert len(tags) == 50
    assert tags[:3] == ["tag02", "tag05", "tag08"]  # used 3 times each, then by name


# Bad input


def test_bad_rows_are_reported_with_file_and_line_and_the_rest_is_imported(tmp_path):
    folder = write_csv_dataset(tmp_path)
    write_lines(
        folder / "ratings.csv",
        [
            "userId,movieId,rating,timestamp",
            "1,1,4.0,964982703",
            "1,2,7,964982703",
            "1,3,4.3,964982703",
            "x,1,3.0,964982703",
            "2,1,3.0",
            "2,999,3.0,964982703",
            "2,1,2.5,964982703",
            "2,2,abc,964982703",
            '2,3,"3.0"x,964982703',
            "3,2,1.0,964982703",
            "3,2,1.5,964982704",
        ],
    )

    report = run_import(folder)

    assert scores() == {(1, 1): Decimal("4.0"), (2, 1): Decimal("2.5"), (3, 2): Decimal("1.5")}
    assert counts(report, "ratings.csv") == (11, 3, 0, 0, 8)
    summary = report.summary()
    for problem in [
        "ratings.csv:3: score 7 is outside 0.5–5.0",
        "ratings.csv:4: score 4.3 is not a whole or half star",
        "ratings.csv:5: user id 'x' is not a positive integer",
        "ratings.csv:6: expected 4 columns, found 3",
        "ratings.csv:7: unknown movie 999",
        "ratings.csv:9: score 'abc' is not a number",
        "ratings.csv:10: unparseable line",
        "ratings.csv:11: user 3 rates movie 2 again later; the last wins",
    ]:
        assert f"  {problem}" in summary
    assert aggregates()[2] == (1, Decimal("1.5"), 1.5)


def test_bad_movies_links_and_tags_are_reported(tmp_path):
    folder = write_csv_dataset(tmp_path)
    write_lines(
        folder / "movies.csv",
        [*CSV_MOVIES, "x,Bad (1999),Drama", "6,,Drama", "7,Later (2001),Drama", "7,Later (2002),"],
    )
    write_lines(folder / "links.csv", ["movieId,imdbId,tmdbId", "1,tt1,862", "42,0114709,862"])
    write_lines(folder / "tags.csv", [CSV_TAGS[0], "1,1,,964982703", "1,42,fun,964982703"])

    report = run_import(folder)

    assert sorted(movies()) == [1, 2, 3, 4, 5, 7]
    assert (movies()[7].year, genre_names(movies()[7])) == (2002, set())  # the last line wins
    assert counts(report, "movies.csv") == (9, 6, 0, 0, 3)
    summary = report.summary()
    for problem in [
        "movies.csv:7: movie id 'x' is not a positive integer",
        "movies.csv:8: title is empty",
        "movies.csv:9: movie 7 is repeated later; the last wins",
        "links.csv:2: IMDb id 'tt1' is not a positive integer",
        "links.csv:3: unknown movie 42",
        "tags.csv:2: tag is empty",
        "tags.csv:3: unknown movie 42",
    ]:
        assert f"  {problem}" in summary


def test_problem_list_is_capped_but_every_problem_is_counted(tmp_path):
    folder = write_csv_dataset(tmp_path)
    bad = [f"1,{900 + n},4.0,964982703" for n in range(20)] + ["1,1,9,964982703"] * 5
    write_lines(folder / "ratings.csv", [CSV_RATINGS[0], *bad])

    report = run_import(folder)

    assert counts(report, "ratings.csv")[4] == 25
    summary = report.summary()
    shown = re.findall(r"^  ratings\.csv:(\d+): ", summary, flags=re.MULTILINE)
    assert shown == [str(line) for line in range(2, 22)]  # the first 20 by line
    assert "ratings.csv:2: unknown movie 900" in summary
    assert "  ratings.csv: and 5 more" in summary


def test_username_taken_by_a_site_user_skips_that_users_ratings(tmp_path):
    UserFactory(username="movielens-3")

    report = run_import(write_csv_dataset(tmp_path))

    assert (3, 2) not in scores()
    assert "ratings.csv:6: user 3: username movielens-3 belongs to another account" in (
        report.summary()
    )
