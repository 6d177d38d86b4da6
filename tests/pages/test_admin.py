import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Movie
from jobs.models import Job
from ratings.models import Rating
from tests.admin_helpers import messages_of, movie_action
from tests.factories import MovieFactory, UserFactory
from tests.ratings.movielens_fixtures import write_csv_dataset
from tests.waiting import job_finished


def test_merging_asks_which_movie_to_keep_then_merges(admin_client):
    kept, duplicate = MovieFactory(title="Heat", rating_count=0), MovieFactory(title="Heat ")
    url = reverse("admin:catalog_movie_changelist")
    selection = {"action": "merge_duplicates", "_selected_action": [kept.pk, duplicate.pk]}
    confirm = admin_client.post(url, selection)
    assert confirm.status_code == 200
    assert "the most recently updated rating" in confirm.text
    assert Movie.objects.count() == 2
    response = admin_client.post(url, {**selection, "keep": kept.pk}, follow=True)
    assert "Merged 1 duplicate(s) into Heat" in " ".join(messages_of(response))
    assert list(Movie.objects.all()) == [kept]


def test_merging_needs_two_movies_and_a_kept_one_among_them(admin_client):
    one, stranger = MovieFactory(), MovieFactory()
    response = movie_action(admin_client, "merge_duplicates", [one])
    assert messages_of(response) == ["Select between 2 and 10 movies to merge."]
    response = movie_action(admin_client, "merge_duplicates", MovieFactory.create_batch(11))
    assert messages_of(response) == ["Select between 2 and 10 movies to merge."]
    two = MovieFactory()
    page = admin_client.post(
        reverse("admin:catalog_movie_changelist"),
        {"action": "merge_duplicates", "_selected_action": [one.pk, two.pk], "keep": stranger.pk},
    )
    assert page.status_code == 200 and "Select a valid choice" in page.text
    assert Movie.objects.count() == 14


def _zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _movielens_zip(tmp_path: Path) -> SimpleUploadedFile:
    folder = write_csv_dataset(tmp_path / "dataset" / "ml-tiny")
    files = {f"ml-tiny/{path.name}": path.read_text() for path in folder.iterdir()}
    return SimpleUploadedFile("ml-tiny.zip", _zip_bytes(files), "application/zip")


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    return settings.MOVIEREC_DATA_DIR


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "Upload a MovieLens zip or give a URL or path, not both."),
        ({"source": "   "}, "Upload a MovieLens zip or give a URL or path, not both."),
        (
            {"archive": SimpleUploadedFile("ratings.csv", b"userId,movieId\n1,2\n")},
            "ratings.csv is not a zip archive.",
        ),
        (
            {"archive": SimpleUploadedFile("photos.zip", _zip_bytes({"cat.jpg": "meow"}))},
            "photos.zip holds no MovieLens dataset",
        ),
        (
            {
                "archive": SimpleUploadedFile("ml.zip", _zip_bytes({"movies.csv": "movieId\n"})),
                "source": "https://example.org/ml.zip",
            },
            "not both",
        ),
    ],
)
def test_a_bad_import_request_says_why_and_queues_nothing(
    admin_client, data_dir, django_capture_on_commit_callbacks, form, error
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("admin:jobs_job_start_import"), form, follow=True)
    assert response.status_code == 200
    assert any(error in message for message in messages_of(response)), messages_of(response)
    assert callbacks == []
    assert not Job.objects.exists()
    assert not (data_dir / "uploads").exists()


def test_an_uploaded_zip_is_saved_and_its_import_queued_after_commit(
    admin_client, data_dir, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            reverse("admin:jobs_job_start_import"), {"archive": _movielens_zip(tmp_path)}
        )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.kind == Job.Kind.IMPORT and job.state == Job.State.QUEUED
    [saved] = (data_dir / "uploads").iterdir()
    assert saved.name.endswith("-ml-tiny.zip") and zipfile.is_zipfile(saved)
    assert str(saved) in job.description
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    ("kind", "job_kind"),
    [
        ("embedding", Job.Kind.EMBEDDING),
        ("movie_map", Job.Kind.MOVIE_MAP),
        ("training", Job.Kind.TRAINING),
    ],
)
def test_embedding_map_and_training_jobs_start_from_the_job_page(
    admin_client, django_capture_on_commit_callbacks, kind, job_kind
):
    assert f"jobs/job/start/{kind}/" in admin_client.get(reverse("admin:jobs_job_changelist")).text
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse(f"admin:jobs_job_start_{kind}"), follow=True)
    assert Job.objects.get().kind == job_kind
    assert len(callbacks) == 1
    assert messages_of(response)[0].startswith(f"Started {job_kind.label}")


@pytest.mark.parametrize("kind", ["import", "embedding", "movie_map", "training", "tmdb"])
def test_starting_jobs_needs_staff_a_permission_and_post(client, admin_client, kind):
    url = reverse(f"admin:jobs_job_start_{kind}")
    assert admin_client.get(url).status_code == 405
    assert client.post(url).status_code == 302  # anonymous: to the admin login
    client.force_login(UserFactory(is_staff=True))  # staff without jobs.add_job
    assert client.post(url).status_code == 403
    assert not Job.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_uploaded_zip_is_imported_by_a_real_worker(
    celery_worker_process, admin_client, data_dir, tmp_path
):
    response = admin_client.post(
        reverse("admin:jobs_job_start_import"), {"archive": _movielens_zip(tmp_path)}
    )
    assert response.status_code == 302
    job = job_finished(Job.objects.get().pk)
    assert job.state == Job.State.SUCCEEDED, job.message
    assert Movie.objects.count() == 5
    assert job.finished_at >= job.started_at
    assert "ratings.csv: 5 rows, 0 skipped; ratings: 5 inserted" in job.message
    assert Rating.objects.count() == 5


def test_the_tmdb_fetch_is_offered_only_with_an_api_key(admin_client, settings):
    settings.TMDB_API_KEY = ""
    page = admin_client.get(reverse("admin:jobs_job_changelist")).text
    assert "Fetch credits and posters from TMDB" not in page
    response = admin_client.post(reverse("admin:jobs_job_start_tmdb"), follow=True)
    assert messages_of(response) == ["Nothing started: set TMDB_API_KEY to use the TMDB API."]
    assert not Job.objects.exists()

    settings.TMDB_API_KEY = "key"
    page = admin_client.get(reverse("admin:jobs_job_changelist")).text
    assert "Fetch credits and posters from TMDB" in page and "jobs/job/start/tmdb/" in page


def test_the_tmdb_fetch_starts_a_job(admin_client, settings, django_capture_on_commit_callbacks):
    settings.TMDB_API_KEY = "key"
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse("admin:jobs_job_start_tmdb"), follow=True)
    job = Job.objects.get()
    assert (job.kind, job.description) == (Job.Kind.IMPORT, "Fetch credits and posters from TMDB")
    assert len(callbacks) == 1
    assert messages_of(response)[0].startswith("Started Import")
