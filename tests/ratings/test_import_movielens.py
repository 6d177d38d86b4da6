"""The MovieLens importer on the real embedded PostgreSQL: every layout, idempotency,
updates, bad rows, sources (folder, zip, HTTP), the command, the Celery task, real data."""

import http.server
import re
import threading
import time
import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from catalog.importers.sources import SourceError, extract_zip
from catalog.models import Genre, Movie
from jobs.models import Job
from jobs.progress import NullProgress
from ratings.models import Rating
from ratings.movielens.service import ImportReport, movielens_import
from ratings.tasks import movielens_import_enqueue
from tests.conftest import ML_LATEST_SMALL
from tests.factories import UserFactory
from tests.ratings.movielens_fixtures import (
    CSV_MOVIES,
    CSV_RATINGS,
    CSV_TAGS,
    write_1m_dataset,
    write_100k_dataset,
    write_csv_dataset,
    write_lines,
    zip_folder,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    """Downloads and extractions go to this test's own folder."""
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    return settings.MOVIEREC_DATA_DIR


def run_import(source) -> ImportReport:
    return movielens_import(source=str(source), progress=NullProgress())


def counts(report: ImportReport, name: str) -> tuple[int, int, int, int, int]:
    """(rows, inserted, updated, unchanged, skipped) of one file."""
    file = next(f for f in report.files if f.name == name)
    return file.rows, file.inserted, file.updated, file.unchanged, file.skipped


def movies() -> dict[int, Movie]:
    return {m.movielens_id: m for m in Movie.objects.prefetch_related("genres")}


def genre_names(movie: Movie) -> set[str]:
    return {genre.name for genre in movie.genres.all()}


def scores() -> dict[tuple[int, int], Decimal]:
    return {
        (r.user.movielens_id, r.movie.movielens_id): r.score
        for r in Rating.objects.select_related("user", "movie")
    }


def aggregates() -> dict[int, tuple[int, Decimal, float | None]]:
    return {
        m.movielens_id: (m.rating_count, m.rating_sum, m.rating_mean) for m in Movie.objects.all()
    }


def database_state() -> dict[str, list[tuple]]:
    """Every row of the tables the import writes, with xmin: a rewritten row gets a new one."""
    state = {}
    with connection.cursor() as cursor:
        for model in (Movie, Movie.genres.through, Genre, User, Rating):
            table = model._meta.db_table
            cursor.execute(f"SELECT xmin::text, * FROM {table} ORDER BY id")
            state[table] = cursor.fetchall()
    return state


def assert_nothing_written() -> None:
    assert (Movie.objects.count(), Rating.objects.count(), User.objects.count()) == (0, 0, 0)


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


# Layouts


def test_csv_layout_imports_movies_links_users_ratings_and_tags(tmp_path):
    report = run_import(write_csv_dataset(tmp_path))

    assert report.layout == "csv"
    found = movies()
    assert {key: (m.title, m.year) for key, m in found.items()} == {
        1: ("Toy Story", 1995),
        2: ("The Godfather", 1972),
        3: ("The City of Lost Children (Cité des enfants perdus, La)", 1995),
        4: ("Black Mirror", None),
        5: ("Death Note: Desu nôto", 2006),
    }
    assert genre_names(found[1]) == {"Adventure", "Animation", "Children", "Comedy", "Fantasy"}
    assert genre_names(found[3]) == {"Adventure", "Drama", "Sci-Fi"}
    assert genre_names(found[4]) == set()
    assert not Genre.objects.filter(name="(no genres listed)").exists()
    assert {key: (m.imdb_id, m.tmdb_id) for key, m in found.items()} == {
        1: ("tt0114709", 862),
        2: ("tt0068646", 238),
        3: ("tt0112682", 902),
        4: ("tt2085059", None),
        5: ("tt0877057", 13916),
    }
    assert all(m.needs_embedding for m in found.values())

    users = list(User.objects.order_by("movielens_id"))
    assert [(u.username, u.movielens_id, u.is_imported) for u in users] == [
        ("movielens-1", 1, True),
        ("movielens-2", 2, True),
        ("movielens-3", 3, True),
    ]
    assert not any(u.has_usable_password() for u in users)
    assert users[0].date_joined == at(964981247)  # that user's first rating

    assert scores() == {
        (1, 1): Decimal("4.0"),
        (1, 2): Decimal("5.0"),
        (2, 1): Decimal("3.5"),
        (2, 3): Decimal("2.0"),
        (3, 2): Decimal("0.5"),
    }
    rating = Rating.objects.get(user__movielens_id=1, movie__movielens_id=1)
    assert rating.created_at == rating.updated_at == at(964982703)
    assert aggregates() == {
        1: (2, Decimal("7.5"), 3.75),
        2: (2, Decimal("5.5"), 2.75),
        3: (1, Decimal("2.0"), 2.0),
        4: (0, Decimal("0"), None),
        5: (0, Decimal("0"), None),
    }
    # "pixar " merges into "Pixar" (the more common spelling), used 3 times.
    assert {key: m.movielens_tags for key, m in found.items()} == {
        1: ["Pixar", "fun"],
        2: ["mafia, family"],
        3: [],
        4: [],
        5: [],
    }

    assert counts(report, "movies.csv") == (5, 5, 0, 0, 0)
    assert counts(report, "links.csv") == (5, 0, 5, 0, 0)
    assert counts(report, "ratings.csv") == (5, 5, 0, 0, 0)
    assert counts(report, "tags.csv") == (5, 0, 2, 0, 0)
    assert report.files[2].users_inserted == 3


def test_1m_layout_reads_latin1_dat_files(tmp_path):
    report = run_import(write_1m_dataset(tmp_path))

    assert report.layout == "dat"
    found = movies()
    assert {key: (m.title, m.year) for key, m in found.items()} == {
        1: ("Toy Story", 1995),
        2: ("The Shawshank Redemption", 1994),
        3: ("Misérables, Les", 1995),  # only English articles move
    }
    assert genre_names(found[1]) == {"Animation", "Children's", "Comedy"}
    assert scores() == {
        (1, 1): Decimal("5"),
        (1, 3): Decimal("3"),
        (2, 1): Decimal("4"),
        (2, 2): Decimal("5"),
    }
    assert aggregates()[1] == (2, Decimal("9.0"), 4.5)
    assert [f.name for f in report.files] == ["movies.dat", "ratings.dat"]


def test_100k_layout_reads_genre_flags_and_tab_separated_ratings(tmp_path):
    report = run_import(write_100k_dataset(tmp_path))

    assert report.layout == "100k"
    found = movies()
    assert {key: (m.title, m.year) for key, m in found.items()} == {
        1: ("Toy Story", 1995),
        2: ("The Pérez Family", 1995),
        267: ("unknown", None),
    }
    assert genre_names(found[1]) == {"Animation", "Children's", "Comedy"}
    assert genre_names(found[2]) == {"Comedy", "Romance"}
    assert genre_names(found[267]) == set()  # the "unknown" genre means none
    assert scores() == {(196, 1): Decimal("3"), (186, 2): Decimal("3"), (196, 2): Decimal("1")}
    assert aggregates()[2] == (2, Decimal("4.0"), 2.0)
    assert set(User.objects.values_list("username", flat=True)) == {
        "movielens-196",
        "movielens-186",
    }


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


# Sources


def test_zip_source_with_the_grouplens_subfolder(tmp_path, data_dir):
    archive = zip_folder(
        write_csv_dataset(tmp_path / "src"), tmp_path / "ml.zip", prefix="ml-latest-small/"
    )

    report = run_import(archive)

    assert counts(report, "ratings.csv") == (5, 5, 0, 0, 0)
    assert Movie.objects.count() == 5
    assert list((data_dir / "downloads").iterdir()) == []  # the extraction was removed


def test_folder_source_finds_the_dataset_in_a_nested_subfolder(tmp_path):
    write_csv_dataset(tmp_path / "datasets" / "ml-latest-small")

    report = run_import(tmp_path)

    assert counts(report, "movies.csv") == (5, 5, 0, 0, 0)


def test_folder_with_two_datasets_is_refused(tmp_path):
    write_csv_dataset(tmp_path / "a")
    write_1m_dataset(tmp_path / "b")

    with pytest.raises(SourceError, match="several MovieLens datasets"):
        run_import(tmp_path)
    assert_nothing_written()


def test_100k_without_u_genre_is_refused(tmp_path):
    folder = write_100k_dataset(tmp_path)
    (folder / "u.genre").unlink()

    with pytest.raises(SourceError, match="not u.genre"):
        run_import(folder)
    assert_nothing_written()


@pytest.mark.parametrize(
    ("make_source", "message"),
    [
        (lambda tmp: tmp / "nowhere", "does not exist"),
        (lambda tmp: write_lines(tmp / "notes.txt", ["hello"]), "neither a folder nor a zip"),
        (
            lambda tmp: zip_folder(write_lines(tmp / "in" / "a.txt", ["x"]).parent, tmp / "a.zip"),
            "contains none of",
        ),
        (
            lambda tmp: write_lines(tmp / "empty" / "README.txt", ["x"]).parent,
            "No MovieLens dataset",
        ),
    ],
)
def test_unusable_source_is_a_clear_command_error_and_writes_nothing(
    tmp_path, make_source, message
):
    source = make_source(tmp_path)

    with pytest.raises(CommandError, match=message):
        call_command("import_movielens", source=str(source), verbosity=0)
    assert_nothing_written()


@pytest.mark.parametrize(
    "member", ["../movies.csv", "ml/../../movies.csv", "/tmp/movies.csv", "C:/ml/movies.csv"]
)
def test_zip_with_a_path_escaping_the_folder_is_refused(tmp_path, member):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ml/movies.csv", "\n".join(CSV_MOVIES))
        zf.writestr(member, "\n".join(CSV_MOVIES))

    with pytest.raises(SourceError, match="unsafe path"):
        run_import(archive)
    assert not (tmp_path / "data" / "movies.csv").exists()
    assert_nothing_written()


def test_zip_larger_than_the_cap_is_refused(tmp_path):
    archive = zip_folder(write_csv_dataset(tmp_path / "src"), tmp_path / "ml.zip")

    with pytest.raises(SourceError, match="more than 100 bytes"):
        extract_zip(archive=archive, target=tmp_path / "out", wanted={"ratings.csv"}, max_bytes=100)


@pytest.fixture
def http_server(tmp_path, monkeypatch):
    """A local HTTP server for tmp_path/www; yields (folder, base URL, paths requested)."""
    root = tmp_path / "www"
    root.mkdir()
    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            requested.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    yield root, f"http://127.0.0.1:{server.server_address[1]}", requested
    server.shutdown()
    server.server_close()


def test_http_source_is_downloaded_once_and_reused(tmp_path, http_server, data_dir):
    root, base_url, requested = http_server
    zip_folder(write_csv_dataset(tmp_path / "src"), root / "ml-test.zip", prefix="ml-test/")

    first = run_import(f"{base_url}/ml-test.zip")
    second = run_import(f"{base_url}/ml-test.zip")

    assert counts(first, "ratings.csv") == (5, 5, 0, 0, 0)
    assert (second.inserted, second.updated) == (0, 0)
    assert requested == ["/ml-test.zip"]
    [cached] = (data_dir / "downloads").iterdir()  # the extraction folders are gone
    assert cached.name.endswith("-ml-test.zip")


@pytest.mark.parametrize(
    ("path", "message"), [("/missing.zip", "HTTP 404"), ("/page.zip", "did not return a zip")]
)
def test_http_error_is_a_clear_command_error_and_caches_nothing(
    http_server, data_dir, path, message
):
    root, base_url, _ = http_server
    write_lines(root / "page.zip", ["<html>not a zip</html>"])

    with pytest.raises(CommandError, match=message):
        call_command("import_movielens", source=base_url + path, verbosity=0)
    assert_nothing_written()
    assert list((data_dir / "downloads").iterdir()) == []


# Command


def test_command_prints_progress_and_the_summary(tmp_path, settings):
    settings.MOVIELENS_SOURCE = str(write_csv_dataset(tmp_path))
    out, err = StringIO(), StringIO()

    call_command("import_movielens", stdout=out, stderr=err)

    assert "ratings.csv: 5 rows, 0 skipped; ratings: 5 inserted" in out.getvalue()
    assert "Reading ratings.csv" in err.getvalue()
    assert Rating.objects.count() == 5


# Celery


@pytest.mark.django_db(transaction=True)
def test_celery_task_imports_in_a_real_worker(celery_worker_process, tmp_path):
    folder = write_csv_dataset(tmp_path / "ml-latest-small")

    job = movielens_import_enqueue(source=str(folder))

    deadline = time.monotonic() + 60
    while job.state not in {Job.State.SUCCEEDED, Job.State.FAILED}:
        assert time.monotonic() < deadline, f"job still {job.state}: {job.description}"
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    assert job.kind == Job.Kind.IMPORT
    assert job.celery_task_id
    assert "ratings.csv: 5 rows, 0 skipped; ratings: 5 inserted" in job.message
    assert (Movie.objects.count(), Rating.objects.count()) == (5, 5)


# The real dataset


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(ML_LATEST_SMALL).is_dir(), reason=f"{ML_LATEST_SMALL} is not on this machine"
)
def test_real_ml_latest_small():
    report = run_import(ML_LATEST_SMALL)

    assert Movie.objects.count() == 9_742
    assert Rating.objects.count() == 100_836
    assert User.objects.filter(is_imported=True).count() == 610
    assert sum(f.skipped for f in report.files) == 0
    assert sum(Movie.objects.values_list("rating_count", flat=True)) == 100_836
    assert Movie.objects.get(movielens_id=858).title == "The Godfather"
