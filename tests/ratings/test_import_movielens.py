"""The MovieLens importer on the real embedded PostgreSQL: sources (folder, zip, HTTP),
the command, the Celery task, real data. Layouts, writers and parsing have their own
test_movielens_* modules."""

import http.server
import threading
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from catalog.importers.sources import SourceError, extract_zip
from catalog.models import Movie
from jobs.models import Job
from ratings.models import Rating
from ratings.tasks import movielens_import_enqueue
from tests.conftest import ML_LATEST_SMALL
from tests.ratings.movielens_fixtures import (
    CSV_MOVIES,
    assert_nothing_written,
    counts,
    run_import,
    write_csv_dataset,
    write_lines,
    zip_folder,
)
from tests.waiting import job_finished

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


# Sources


def test_zip_source_with_the_grouplens_subfolder(tmp_path, data_dir):
    archive = zip_folder(
        write_csv_dataset(tmp_path / "src"), tmp_path / "ml.zip", prefix="ml-latest-small/"
    )

    report = run_import(archive)

    assert counts(report, "ratings.csv") == (5, 5, 0, 0, 0)
    assert Movie.objects.count() == 5
    assert list((data_dir / "downloads").iterdir()) == []  # the extraction was removed


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

    job = job_finished(job.pk)
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
