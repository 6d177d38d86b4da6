import io
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog import embedding, tasks
from catalog.models import Movie
from jobs.models import Job
from ratings.models import Rating
from tests.admin_helpers import assert_staff_only, messages_of
from tests.catalog.movielens_fixtures import write_csv_dataset
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """Embedding tasks sent to the broker (their kwargs recorded instead)."""
    sent: list[dict] = []
    monkeypatch.setattr(
        tasks.embed_dirty_movies_task, "apply_async", lambda **kw: sent.append(kw["kwargs"])
    )
    return sent


def test_the_movie_list_shows_how_many_movies_wait_for_an_embedding(admin_client):
    MovieFactory.create_batch(3)
    MovieFactory(needs_embedding=False)
    response = admin_client.get(reverse("admin:catalog_movie_changelist"))
    assert response.status_code == 200
    assert "3 movies waiting for an embedding." in response.text


@pytest.mark.parametrize("term", ["Shawshank", "tt0111161", "278"])
def test_movies_are_found_by_title_imdb_and_tmdb_id(admin_client, term):
    MovieFactory(title="The Shawshank Redemption", imdb_id="tt0111161", tmdb_id=278)
    MovieFactory(title="Other", imdb_id="tt0000001", tmdb_id=1)
    response = admin_client.get(reverse("admin:catalog_movie_changelist"), {"q": term})
    assert [movie.title for movie in response.context["cl"].result_list] == [
        "The Shawshank Redemption"
    ]


def test_editing_an_overview_marks_the_movie_dirty_and_queues_after_commit(
    admin_client, queued, django_capture_on_commit_callbacks
):
    drama = GenreFactory(name="Drama")
    movie = MovieFactory(title="Heat", year=1995, genres=[drama], needs_embedding=False)
    form = {
        "title": "Heat", "year": "1995", "genres": [drama.pk], "imdb_id": "", "tmdb_id": "",
        "overview": "A group of professional bank robbers start to feel the heat.",
        "tagline": "", "keywords": "", "runtime": "", "poster_path": "", "language": "",
        "movielens_tags": "", "rating_sum": "0",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:catalog_movie_change", args=[movie.pk]), form)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert queued == []  # not before the edit is committed
    movie.refresh_from_db()
    assert movie.overview.startswith("A group of professional bank robbers")
    assert movie.needs_embedding
    assert queued == [{"job_id": None}]


def test_the_reembed_action_marks_the_selected_movies(admin_client, queued):
    chosen = MovieFactory(needs_embedding=False)
    MovieFactory(needs_embedding=False)
    response = admin_client.post(
        reverse("admin:catalog_movie_changelist"),
        {"action": "reembed", "_selected_action": [chosen.pk]},
    )
    assert response.status_code == 302
    assert set(Movie.objects.filter(needs_embedding=True)) == {chosen}


def test_genres_list_their_movie_count(admin_client):
    drama = GenreFactory(name="Drama")
    MovieFactory.create_batch(2, genres=[drama])
    response = admin_client.get(reverse("admin:catalog_genre_changelist"))
    assert response.context["cl"].result_list.get(pk=drama.pk).movie_count == 2


def test_jobs_are_shown_read_only(admin_client):
    job = Job.objects.create(kind=Job.Kind.EMBEDDING, progress_done=5, progress_total=10)
    response = admin_client.get(reverse("admin:jobs_job_changelist"))
    assert "50% (5/10)" in response.text
    assert admin_client.get(reverse("admin:jobs_job_add")).status_code == 403
    change = admin_client.post(reverse("admin:jobs_job_change", args=[job.pk]), {})
    assert change.status_code == 403


# --- Access ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["movie", "genre", "job"])
def test_list_and_detail_pages_load_for_staff_only(client, admin_client, model):
    obj = {
        "movie": lambda: MovieFactory(),
        "genre": lambda: GenreFactory(name="Drama"),
        "job": lambda: Job.objects.create(kind=Job.Kind.IMPORT, message="done"),
    }[model]()
    urls = [
        reverse(f"admin:catalog_{model}_changelist"),
        reverse(f"admin:catalog_{model}_change", args=[obj.pk]),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url
        assert_staff_only(client, url)


# --- Movie list: filters, columns, queries ---------------------------------------------

VECTOR = [0.05] * 384


@pytest.fixture
def shelf(db) -> None:
    """Five movies, one per corner the filters must tell apart."""
    drama, crime = GenreFactory(name="Drama"), GenreFactory(name="Crime")
    current = {"embedding": VECTOR, "embedding_model": embedding.model_name()}
    MovieFactory(
        title="Current", year=1955, overview="Plot.", poster_path="/p.jpg", genres=[drama],
        needs_embedding=False, **current,
    )  # fmt: skip
    MovieFactory(
        title="Other model", year=1999, genres=[crime], needs_embedding=False,
        embedding=VECTOR, embedding_model="some-older-model",
    )  # fmt: skip
    MovieFactory(title="Edited", year=1990, genres=[drama, crime], **current)
    MovieFactory(title="Never embedded", year=None)
    MovieFactory(title="Hidden", year=2010, is_hidden=True, is_featured=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"decade": "1990"}, {"Other model", "Edited"}),
        ({"decade": "1950"}, {"Current"}),
        ({"decade": "unknown"}, {"Never embedded"}),
        ({"embedding": "current"}, {"Current"}),
        ({"embedding": "stale"}, {"Other model", "Edited"}),
        ({"embedding": "missing"}, {"Never embedded", "Hidden"}),
        ({"has_overview": "yes"}, {"Current"}),
        ({"has_overview": "no"}, {"Other model", "Edited", "Never embedded", "Hidden"}),
        ({"has_poster": "yes"}, {"Current"}),
        ({"is_hidden__exact": "1"}, {"Hidden"}),
        ({"is_featured__exact": "1"}, {"Hidden"}),
        ({"genres__name": "Crime"}, {"Other model", "Edited"}),
    ],
)
def test_movie_filters(admin_client, shelf, query, expected):
    if "genres__name" in query:  # the genre filter takes an id
        query = {"genres__id__exact": GenreFactory(name=query["genres__name"]).pk}
    response = admin_client.get(reverse("admin:catalog_movie_changelist"), query)
    assert response.status_code == 200
    assert {movie.title for movie in response.context["cl"].result_list} == expected


def test_the_decade_filter_offers_the_catalogues_decades(admin_client, shelf):
    response = admin_client.get(reverse("admin:catalog_movie_changelist"))
    for decade in ("1950s", "1960s", "1990s", "2010s", "Unknown"):
        assert f">{decade}</a>" in response.text
    assert ">1940s<" not in response.text and ">2020s<" not in response.text


def test_the_movie_list_shows_posters_ratings_and_a_placeholder(admin_client):
    MovieFactory(title="Heat", poster_path="/heat.jpg", rating_count=4, rating_sum="15.0")
    MovieFactory(title="Big Lebowski", poster_path="")
    html = admin_client.get(reverse("admin:catalog_movie_changelist")).text
    assert 'src="https://image.tmdb.org/t/p/w92/heat.jpg"' in html
    assert ">BL</span>" in html  # the placeholder's initials
    assert "3.75" in html


def test_the_movie_list_runs_the_same_queries_for_3_or_43_movies(
    admin_client, django_assert_max_num_queries
):
    genre = GenreFactory(name="Drama")
    MovieFactory.create_batch(3, genres=[genre], poster_path="/p.jpg")
    url = reverse("admin:catalog_movie_changelist")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    MovieFactory.create_batch(40, genres=[genre], poster_path="/p.jpg")
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 43


# --- Movie actions ---------------------------------------------------------------------


def _act(admin_client, action: str, movies: list[Movie]):
    return admin_client.post(
        reverse("admin:catalog_movie_changelist"),
        {"action": action, "_selected_action": [movie.pk for movie in movies]},
        follow=True,
    )


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("hide", {"is_hidden": False}, {"is_hidden": True}),
        ("unhide", {"is_hidden": True}, {"is_hidden": False}),
        ("feature", {"is_featured": False}, {"is_featured": True}),
        ("unfeature", {"is_featured": True}, {"is_featured": False}),
    ],
)
def test_flag_actions_change_only_the_selected_movies(admin_client, action, before, after):
    chosen, other = MovieFactory(**before), MovieFactory(**before)
    response = _act(admin_client, action, [chosen])
    assert response.status_code == 200
    assert Movie.objects.filter(pk=chosen.pk, **after).exists()
    assert Movie.objects.filter(pk=other.pk, **before).exists()


def test_a_featured_movie_appears_on_the_home_page(admin_client, client):
    picked = MovieFactory(title="Editors Love This")
    MovieFactory(title="Not Picked")
    home = reverse("pages:home")
    assert "Editors’ picks" not in client.get(home).text
    _act(admin_client, "feature", [picked])
    for visitor in (client, admin_client):  # anonymous and signed in
        html = visitor.get(home).text
        picks = html[html.index("Editors’ picks") :].split("</section>")[0]
        assert "Editors Love This" in picks and "Not Picked" not in picks


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
    response = _act(admin_client, "merge_duplicates", [one])
    assert messages_of(response) == ["Select between 2 and 10 movies to merge."]
    response = _act(admin_client, "merge_duplicates", MovieFactory.create_batch(11))
    assert messages_of(response) == ["Select between 2 and 10 movies to merge."]
    two = MovieFactory()
    page = admin_client.post(
        reverse("admin:catalog_movie_changelist"),
        {"action": "merge_duplicates", "_selected_action": [one.pk, two.pk], "keep": stranger.pk},
    )
    assert page.status_code == 200 and "Select a valid choice" in page.text
    assert Movie.objects.count() == 14


# --- Jobs ------------------------------------------------------------------------------


def test_the_job_list_shows_progress_duration_and_why_a_job_failed(admin_client):
    started = timezone.now() - timedelta(seconds=75)
    Job.objects.create(
        kind=Job.Kind.IMPORT, state=Job.State.FAILED, started_at=started,
        finished_at=started + timedelta(seconds=75),
        message="SourceError: /data/ml.zip does not exist.",
    )  # fmt: skip
    Job.objects.create(kind=Job.Kind.EMBEDDING, state=Job.State.RUNNING, started_at=started,
                       progress_done=1, progress_total=4)  # fmt: skip
    html = admin_client.get(reverse("admin:jobs_job_changelist")).text
    assert "SourceError: /data/ml.zip does not exist." in html
    assert "1 min 15 s" in html
    assert '<progress max="100" value="25"></progress> 25% (1/4)' in html
    assert "window.location.reload()" in html  # a job runs: the page refreshes


def test_the_job_list_stops_refreshing_when_nothing_runs(admin_client):
    Job.objects.create(kind=Job.Kind.TRAINING, state=Job.State.SUCCEEDED)
    # A job left "running" by a killed worker long ago does not refresh the page for ever.
    stuck = Job.objects.create(kind=Job.Kind.IMPORT, state=Job.State.RUNNING)
    Job.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(days=1))
    html = admin_client.get(reverse("admin:jobs_job_changelist")).text
    assert "window.location.reload()" not in html


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
    ("kind", "job_kind"), [("embedding", Job.Kind.EMBEDDING), ("training", Job.Kind.TRAINING)]
)
def test_embedding_and_training_jobs_start_from_the_job_page(
    admin_client, django_capture_on_commit_callbacks, kind, job_kind
):
    assert (
        f"jobs/job/start/{kind}/"
        in admin_client.get(reverse("admin:jobs_job_changelist")).text
    )
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse(f"admin:jobs_job_start_{kind}"), follow=True)
    assert Job.objects.get().kind == job_kind
    assert len(callbacks) == 1
    assert messages_of(response)[0].startswith(f"Started {job_kind.label}")


@pytest.mark.parametrize("kind", ["import", "embedding", "training"])
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
    job = Job.objects.get()
    deadline = time.monotonic() + 60
    while job.state not in {Job.State.SUCCEEDED, Job.State.FAILED}:
        assert time.monotonic() < deadline, f"job still {job.state}"
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    assert Movie.objects.count() == 5
    assert job.finished_at >= job.started_at
    assert "ratings.csv: 5 rows, 0 skipped; ratings: 5 inserted" in job.message
    assert Rating.objects.count() == 5
