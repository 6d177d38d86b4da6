import io

import pytest
from django.core.management.base import OutputWrapper

from accounts.models import User
from catalog.models import Credit, Movie
from catalog.tasks import embed_dirty_movies_task
from jobs.models import Job
from movierec.bootstrap import bootstrap_first_start
from recommendations.tasks import train_recommender
from tests.factories import MovieFactory
from tests.ratings.movielens_fixtures import write_csv_dataset
from tests.tmdb_files import cast_entry, tmdb_5000_credits

pytestmark = pytest.mark.django_db


def test_first_start_imports_queues_jobs_and_creates_the_demo_account(
    settings, tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    source = write_csv_dataset(tmp_path / "ml")
    queued = {}
    for task in (embed_dirty_movies_task, train_recommender):
        monkeypatch.setattr(
            task, "apply_async", lambda kwargs, name=task.name, **_: queued.update({name: kwargs})
        )
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bootstrap_first_start(movielens_source=str(source), tmdb_path="", stdout=OutputWrapper(out))

    assert Movie.objects.exists()
    assert set(Job.objects.values_list("kind", flat=True)) == {
        Job.Kind.EMBEDDING,
        Job.Kind.TRAINING,
    }
    assert len(callbacks) == 2  # both tasks are queued only once the jobs are committed
    # While the catalogue waits for embedding, the first model is the quick one, stars
    # included (tests/recommendations/test_tasks.py follows it to completion).
    training = Job.objects.get(kind=Job.Kind.TRAINING)
    assert f"queued training job #{training.pk} (quick)" in out.getvalue()
    assert queued[train_recommender.name] == {"job_id": training.pk, "quick": True}
    password = (tmp_path / "data" / "demo-credentials.txt").read_text().strip()
    assert User.objects.get(username="demo").check_password(password)
    assert f"password {password!r}" in out.getvalue()


def test_second_start_skips_the_import_and_keeps_the_demo_password(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    source = write_csv_dataset(tmp_path / "ml")
    with django_capture_on_commit_callbacks():
        bootstrap_first_start(
            movielens_source=str(source), tmdb_path="", stdout=OutputWrapper(io.StringIO())
        )
    first_password = (tmp_path / "data" / "demo-credentials.txt").read_text()
    movies = Movie.objects.count()

    out = io.StringIO()
    with django_capture_on_commit_callbacks() as callbacks:
        bootstrap_first_start(
            movielens_source="/nonexistent", tmdb_path="", stdout=OutputWrapper(out)
        )

    assert "skipping import" in out.getvalue()
    assert Movie.objects.count() == movies
    # The embedding that the first start queued has not run: it is queued again.
    assert "queued embedding job" in out.getvalue()
    assert len(callbacks) == 2
    assert (tmp_path / "data" / "demo-credentials.txt").read_text() == first_password


def test_a_start_with_nothing_pending_queues_nothing(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    MovieFactory(needs_embedding=False)
    out = io.StringIO()
    with django_capture_on_commit_callbacks() as callbacks:
        bootstrap_first_start(
            movielens_source="/nonexistent", tmdb_path="", stdout=OutputWrapper(out)
        )
    assert callbacks == []
    assert "queued" not in out.getvalue()


def test_a_failed_import_still_lets_the_site_start(settings, tmp_path):
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    out = io.StringIO()
    bootstrap_first_start(
        movielens_source=str(tmp_path / "missing"), tmdb_path="", stdout=OutputWrapper(out)
    )
    assert "MovieLens import failed" in out.getvalue()
    assert "MOVIELENS_SOURCE" in out.getvalue()
    assert not Movie.objects.exists()
    assert User.objects.filter(username="demo").exists()


def test_first_start_imports_credits_when_given(settings, tmp_path):
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    source = write_csv_dataset(tmp_path / "ml")
    credits = tmdb_5000_credits(
        tmp_path / "tmdb_5000_credits.csv",
        [{"movie_id": "862", "cast": [cast_entry(31, "Tom Hanks", "Woody", 0)], "crew": []}],
    )
    out = io.StringIO()

    bootstrap_first_start(
        movielens_source=str(source),
        tmdb_path="",
        tmdb_credits_path=str(credits),
        stdout=OutputWrapper(out),
    )

    assert Credit.objects.get().movie == Movie.objects.get(tmdb_id=862)
    assert "credits of 1 movies changed" in out.getvalue()


def test_an_unusable_credits_file_still_lets_the_site_start(settings, tmp_path):
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    out = io.StringIO()

    bootstrap_first_start(
        movielens_source=str(write_csv_dataset(tmp_path / "ml")),
        tmdb_path="",
        tmdb_credits_path=str(tmp_path / "absent.csv"),
        stdout=OutputWrapper(out),
    )

    assert "TMDB credits import failed" in out.getvalue() and "TMDB_CREDITS_PATH" in out.getvalue()
    assert Movie.objects.exists() and User.objects.filter(username="demo").exists()
