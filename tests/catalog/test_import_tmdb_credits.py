from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.importers.tmdb_credits import TmdbCreditsReport, tmdb_credits_import
from catalog.models import Credit, Movie, Person
from jobs.progress import NullProgress
from tests.factories import CreditFactory, MovieFactory, PersonFactory
from tests.tmdb_files import (
    TMDB_5000_CREDITS_HEADER,
    cast_entry,
    crew_entry,
    movies_dataset_credits,
    tmdb_5000_credits,
)

pytestmark = pytest.mark.django_db

HANKS = cast_entry(31, "Tom Hanks", "Woody", 0)
ALLEN = cast_entry(12898, "Tim Allen", "Buzz Lightyear", 1)
LASSETER = crew_entry(7879, "John Lasseter", "Director")
WHEDON = crew_entry(12891, "Joss Whedon", "Screenplay")


def run_import(path: Path) -> TmdbCreditsReport:
    return tmdb_credits_import(path=path, progress=NullProgress())


def credits_of(movie: Movie) -> list[tuple[str, str, str, int]]:
    return list(
        Credit.objects.filter(movie=movie)
        .order_by("role", "position")
        .values_list("role", "person__name", "character", "position")
    )


def test_tmdb_5000_layout_creates_people_and_credits(tmp_path):
    toy_story = MovieFactory(tmdb_id=862, needs_embedding=False)
    producer = crew_entry(7, "Some Producer", "Producer")
    path = tmdb_5000_credits(
        tmp_path / "tmdb_5000_credits.csv",
        [
            {
                "movie_id": "862",
                "title": "Toy Story",
                # Billing order is TMDB's "order", not the position in the list.
                "cast": [ALLEN, HANKS],
                "crew": [producer, LASSETER, WHEDON],
            }
        ],
    )

    report = run_import(path)

    assert (report.layout, report.rows_read, report.movies_changed, report.problems) == (
        "TMDB 5000",
        1,
        1,
        [],
    )
    assert report.people_added == 4
    assert credits_of(toy_story) == [
        ("cast", "Tom Hanks", "Woody", 0),
        ("cast", "Tim Allen", "Buzz Lightyear", 1),
        ("director", "John Lasseter", "", 0),
        ("writer", "Joss Whedon", "", 0),
    ]
    assert not Person.objects.filter(name="Some Producer").exists()
    # The document names directors and cast, so the movie must be embedded again.
    assert Movie.objects.get(pk=toy_story.pk).needs_embedding


def test_movies_dataset_layout_reads_python_literals_and_profile_paths(tmp_path):
    toy_story = MovieFactory(tmdb_id=862)
    path = movies_dataset_credits(
        tmp_path / "credits.csv",
        [
            {
                "id": "862",
                "cast": [
                    {**HANKS, "profile_path": "/hanks.jpg"},
                    {**ALLEN, "profile_path": None, "character": "Buzz's voice"},
                ],
                "crew": [{**LASSETER, "profile_path": None}],
            },
            {"id": "99999", "cast": [HANKS], "crew": []},
        ],
    )

    report = run_import(path)

    assert (report.layout, report.movies_changed, report.unmatched) == (
        "The Movies Dataset",
        1,
        1,
    )
    assert credits_of(toy_story) == [
        ("cast", "Tom Hanks", "Woody", 0),
        ("cast", "Tim Allen", "Buzz's voice", 1),
        ("director", "John Lasseter", "", 0),
    ]
    assert Person.objects.get(tmdb_id=31).profile_path == "/hanks.jpg"
    assert Person.objects.get(tmdb_id=12898).profile_path == ""


def test_reimport_changes_nothing(tmp_path):
    movie = MovieFactory(tmdb_id=862)
    rows = [{"movie_id": "862", "cast": [HANKS, ALLEN], "crew": [LASSETER]}]
    path = tmdb_5000_credits(tmp_path / "credits.csv", rows)
    run_import(path)
    credit_ids = set(Credit.objects.values_list("pk", flat=True))
    Movie.objects.filter(pk=movie.pk).update(needs_embedding=False)

    report = run_import(path)

    assert (report.movies_changed, report.movies_unchanged, report.people_added) == (0, 1, 0)
    assert set(Credit.objects.values_list("pk", flat=True)) == credit_ids
    assert not Movie.objects.get(pk=movie.pk).needs_embedding


def test_reimport_replaces_a_movies_credits_and_keeps_other_movies(tmp_path):
    movie = MovieFactory(tmdb_id=862)
    other = MovieFactory(tmdb_id=863)
    kept = CreditFactory(movie=other, person__name="Other Actor")
    tmdb_5000_credits(
        tmp_path / "first.csv", [{"movie_id": "862", "cast": [HANKS, ALLEN], "crew": [LASSETER]}]
    )
    run_import(tmp_path / "first.csv")
    renamed_hanks = {**HANKS, "name": "Thomas Hanks", "character": "Sheriff Woody"}
    second = tmdb_5000_credits(
        tmp_path / "second.csv", [{"movie_id": "862", "cast": [renamed_hanks], "crew": []}]
    )

    report = run_import(second)

    assert report.movies_changed == 1
    assert credits_of(movie) == [("cast", "Thomas Hanks", "Sheriff Woody", 0)]
    assert Credit.objects.filter(pk=kept.pk).exists()
    # People stay, with their other films; only the credit went.
    assert Person.objects.filter(tmdb_id=LASSETER["id"]).exists()


def test_person_listed_twice_gets_one_credit_with_both_characters(tmp_path):
    movie = MovieFactory(tmdb_id=10)
    murphy = [
        cast_entry(776, "Eddie Murphy", "Sherman Klump", 0),
        cast_entry(776, "Eddie Murphy", "Buddy Love", 1),
        cast_entry(9, "Jada Pinkett", "Carla", 2),
    ]
    director_twice = [LASSETER, {**LASSETER, "job": "Director"}]
    writers = [WHEDON, {**WHEDON, "job": "Writer"}]
    path = tmdb_5000_credits(
        tmp_path / "credits.csv",
        [{"movie_id": "10", "cast": murphy, "crew": [*director_twice, *writers]}],
    )

    run_import(path)

    assert credits_of(movie) == [
        ("cast", "Eddie Murphy", "Sherman Klump / Buddy Love", 0),
        ("cast", "Jada Pinkett", "Carla", 1),
        ("director", "John Lasseter", "", 0),
        ("writer", "Joss Whedon", "", 0),
    ]


def test_malformed_rows_are_reported_by_line_and_lose_nothing(tmp_path):
    good = MovieFactory(tmdb_id=1)
    existing = MovieFactory(tmdb_id=2)
    before = CreditFactory(movie=existing, person__name="Kept Actor")
    path = tmdb_5000_credits(
        tmp_path / "credits.csv",
        [
            {"movie_id": "1", "cast": [HANKS], "crew": []},  # line 2
            {"movie_id": "2", "cast": '[{"id": 5, "name": "Broken"', "crew": "[]"},  # bad JSON
            {"movie_id": "", "cast": [HANKS], "crew": []},  # missing id
            {"movie_id": "abc", "cast": [HANKS], "crew": []},  # non-numeric id
            ["3", "Too few fields"],  # line 6
            {"movie_id": "2", "cast": '{"id": 5}', "crew": "[]"},  # an object, not a list
            {"movie_id": "1", "cast": [ALLEN], "crew": []},  # repeats line 2
        ],
    )

    report = run_import(path)

    assert (report.rows_read, report.malformed, report.duplicates) == (7, 5, 1)
    assert [problem.split(": ", 1)[0] for problem in report.problems] == [
        f"credits.csv:{line}" for line in (3, 4, 5, 6, 7, 8)
    ]
    assert "cast: neither JSON nor a Python literal" in report.problems[0]
    assert "is not a TMDB id" in report.problems[2]
    assert "expected 4 fields, found 2" in report.problems[3]
    assert "cast: not a list of objects" in report.problems[4]
    assert "repeats line 2" in report.problems[5]
    assert credits_of(good) == [("cast", "Tom Hanks", "Woody", 0)]
    assert list(Credit.objects.filter(movie=existing)) == [before]


def test_unusable_entries_are_skipped_and_the_rest_of_the_row_imported(tmp_path):
    movie = MovieFactory(tmdb_id=862)
    path = movies_dataset_credits(
        tmp_path / "credits.csv",
        [
            {
                "id": "862",
                "cast": [
                    {"name": "No Id", "character": "X", "order": 0},
                    {**ALLEN, "name": 42},
                    {**HANKS, "character": ["not", "text"]},
                    cast_entry(5, "Annie Potts", "Bo Peep", 3),
                ],
                "crew": [{**LASSETER, "id": "seven"}],
            }
        ],
    )

    report = run_import(path)

    assert report.entries_skipped == 4
    assert report.problems == [
        "credits.csv:2: cast[0]: person id '' is not a TMDB id; entry skipped",
        # Cast in billing order (TMDB's "order"), numbered as listed in the file.
        "credits.csv:2: cast[2]: character \"['not', 'text']\" is not text; entry skipped",
        "credits.csv:2: cast[1]: no name; entry skipped",
        "credits.csv:2: crew[0]: person id 'seven' is not a TMDB id; entry skipped",
    ]
    assert credits_of(movie) == [("cast", "Annie Potts", "Bo Peep", 0)]


def test_row_without_credits_keeps_the_movies_credits(tmp_path):
    movie = MovieFactory(tmdb_id=862)
    kept = CreditFactory(movie=movie)
    path = tmdb_5000_credits(
        tmp_path / "credits.csv", [{"movie_id": "862", "cast": [], "crew": []}]
    )

    report = run_import(path)

    assert (report.empty, report.movies_changed) == (1, 0)
    assert list(Credit.objects.filter(movie=movie)) == [kept]


def test_people_keep_a_known_profile_path_when_the_file_has_none(tmp_path):
    MovieFactory(tmdb_id=862)
    PersonFactory(tmdb_id=31, name="Tom Hanks", profile_path="/known.jpg")
    path = tmdb_5000_credits(tmp_path / "credits.csv", [{"movie_id": "862", "cast": [HANKS]}])

    run_import(path)

    assert Person.objects.get(tmdb_id=31).profile_path == "/known.jpg"


def test_command_prints_summary(tmp_path):
    MovieFactory(tmdb_id=862)
    path = tmdb_5000_credits(tmp_path / "credits.csv", [{"movie_id": "862", "cast": [HANKS]}])
    out = StringIO()

    call_command("import_tmdb_credits", str(path), verbosity=0, stdout=out)

    assert "1 rows read; credits of 1 movies changed, 0 unchanged; 1 people added" in (
        out.getvalue()
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        (",".join(TMDB_5000_CREDITS_HEADER) + "\n", "no data rows"),
        ("movieId,title,genres\n1,Toy Story (1995),Animation\n", "unknown header layout"),
    ],
)
def test_unusable_file_raises_command_error_and_writes_nothing(tmp_path, content, message):
    movie = MovieFactory(tmdb_id=1)
    kept = CreditFactory(movie=movie)
    path = tmp_path / "credits.csv"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        call_command("import_tmdb_credits", str(path), verbosity=0)

    assert list(Credit.objects.all()) == [kept]


def test_missing_file_raises_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_tmdb_credits", str(tmp_path / "absent.csv"), verbosity=0)


def test_a_renamed_person_marks_all_their_films_dirty(tmp_path):
    in_file = MovieFactory(tmdb_id=862)
    elsewhere = MovieFactory(tmdb_id=863)
    bystander = MovieFactory(tmdb_id=864)
    hanks = PersonFactory(tmdb_id=31, name="Tom Hanks")
    CreditFactory(movie=in_file, person=hanks, character="Woody", position=0)
    CreditFactory(movie=elsewhere, person=hanks)
    CreditFactory(movie=bystander)
    Movie.objects.update(needs_embedding=False)
    renamed = {**HANKS, "name": "Thomas J. Hanks"}
    path = tmdb_5000_credits(tmp_path / "credits.csv", [{"movie_id": "862", "cast": [renamed]}])

    report = run_import(path)

    assert report.movies_changed == 0  # the same credit, under a new name
    assert set(Movie.objects.filter(needs_embedding=True)) == {in_file, elsewhere}
