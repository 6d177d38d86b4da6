"""The TMDB API enrichment against a local fake TMDB server (this machine has no internet)."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connections

from catalog import tasks
from catalog.importers.tmdb_api import (
    RateLimiter,
    TmdbClient,
    movies_missing_tmdb_details,
    tmdb_enrich,
)
from catalog.models import Credit, Movie
from core.locks import AdvisoryLock
from jobs.models import Job
from jobs.progress import NullProgress
from tests.factories import CreditFactory, MovieFactory
from tests.tmdb_files import cast_entry, crew_entry

pytestmark = pytest.mark.django_db

API_KEY = "test-key-123"


def movie_body(tmdb_id: int, *, poster: str | None = None) -> dict:
    return {
        "id": tmdb_id,
        "title": f"Film {tmdb_id}",
        "poster_path": poster if poster is not None else f"/poster{tmdb_id}.jpg",
        "credits": {
            "cast": [
                cast_entry(tmdb_id * 10 + 1, f"Lead of {tmdb_id}", "Hero", 0),
                cast_entry(tmdb_id * 10 + 2, f"Second of {tmdb_id}", "Friend", 1),
            ],
            "crew": [
                crew_entry(tmdb_id * 10 + 3, f"Director of {tmdb_id}", "Director"),
                crew_entry(tmdb_id * 10 + 4, "Caterer", "Catering"),
            ],
        },
    }


@dataclass
class Answer:
    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeTmdb:
    """Answers /3/movie/<id>: queued answers per id first, then the movie with its credits."""

    url: str
    queued: dict[int, list[Answer]] = field(default_factory=dict)
    # (time.monotonic(), tmdb id, query parameters) per request, in arrival order.
    requests: list[tuple[float, int, dict]] = field(default_factory=list)

    def queue(self, tmdb_id: int, *answers: Answer) -> None:
        self.queued.setdefault(tmdb_id, []).extend(answers)

    def ids(self) -> list[int]:
        return [tmdb_id for _, tmdb_id, _ in self.requests]


@pytest.fixture
def fake_tmdb(settings):
    state = FakeTmdb(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            url = urlsplit(self.path)
            tmdb_id = int(url.path.removeprefix("/3/movie/"))
            state.requests.append((time.monotonic(), tmdb_id, parse_qs(url.query)))
            queued = state.queued.get(tmdb_id)
            answer = queued.pop(0) if queued else Answer()
            body = answer.body if answer.body is not None else json.dumps(movie_body(tmdb_id))
            payload = body.encode() if isinstance(body, str) else body
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TMDB_API_KEY = API_KEY
    settings.TMDB_API_BASE_URL = state.url
    settings.TMDB_REQUESTS_PER_SECOND = 40
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def queued_embeddings(monkeypatch) -> list:
    queued = []
    monkeypatch.setattr(
        tasks.embed_dirty_movies_task, "apply_async", lambda kwargs=None, **o: queued.append(kwargs)
    )
    return queued


def client_for(fake: FakeTmdb, per_second: float = 40) -> TmdbClient:
    return TmdbClient(api_key=API_KEY, base_url=fake.url, per_second=per_second)


def enrich(fake: FakeTmdb, **kwargs):
    return tmdb_enrich(client=client_for(fake), progress=NullProgress(), **kwargs)


def cast_names(movie: Movie) -> list[str]:
    return list(
        Credit.objects.filter(movie=movie)
        .order_by("role", "position")
        .values_list("role", "person__name")
    )


def test_fills_credits_and_posters_and_marks_movies_asked(fake_tmdb):
    bare = MovieFactory(tmdb_id=11, needs_embedding=False)
    has_poster = MovieFactory(tmdb_id=12, poster_path="/mine.jpg")
    unknown = MovieFactory(tmdb_id=13)
    complete = MovieFactory(tmdb_id=14, poster_path="/done.jpg")
    CreditFactory(movie=complete)
    no_tmdb_id = MovieFactory(tmdb_id=None)
    fake_tmdb.queue(13, Answer(status=404, body='{"status_code": 34}'))

    report = enrich(fake_tmdb)

    assert sorted(fake_tmdb.ids()) == [11, 12, 13]
    assert all(query["api_key"] == [API_KEY] for _, _, query in fake_tmdb.requests)
    assert all(query["append_to_response"] == ["credits"] for _, _, query in fake_tmdb.requests)
    assert cast_names(bare) == [
        ("cast", "Lead of 11"),
        ("cast", "Second of 11"),
        ("director", "Director of 11"),
    ]
    for movie in (bare, has_poster, unknown, complete, no_tmdb_id):
        movie.refresh_from_db()
    assert bare.poster_path == "/poster11.jpg" and bare.needs_embedding
    assert has_poster.poster_path == "/mine.jpg"  # a known poster is kept
    assert [m.credits_checked_at is not None for m in (bare, has_poster, unknown)] == [True] * 3
    assert complete.credits_checked_at is None and no_tmdb_id.credits_checked_at is None
    assert (report.fetched, report.not_found, report.failed) == (2, 1, 0)
    assert (report.credits_changed, report.posters_added, report.remaining) == (2, 1, 0)
    assert not movies_missing_tmdb_details().exists()


def test_a_rerun_asks_nothing_again(fake_tmdb):
    MovieFactory(tmdb_id=21)
    MovieFactory(tmdb_id=22)
    fake_tmdb.queue(22, Answer(status=404))
    enrich(fake_tmdb)

    report = enrich(fake_tmdb)

    assert fake_tmdb.ids().count(21) == 1 and fake_tmdb.ids().count(22) == 1
    assert report.fetched + report.not_found == 0


def test_a_stopped_run_resumes_where_it_stopped(fake_tmdb, monkeypatch):
    monkeypatch.setattr("catalog.importers.tmdb_api.BATCH_SIZE", 2)
    movies = [MovieFactory(tmdb_id=100 + n) for n in range(7)]

    first = enrich(fake_tmdb, limit=3)
    assert fake_tmdb.ids() == [100, 101, 102]
    assert first.remaining == 4
    second = enrich(fake_tmdb)

    assert fake_tmdb.ids() == [movie.tmdb_id for movie in movies]  # each once, in order
    assert (second.fetched, second.remaining) == (4, 0)


def test_a_429_waits_for_retry_after_then_succeeds(fake_tmdb):
    movie = MovieFactory(tmdb_id=31)
    fake_tmdb.queue(31, Answer(status=429, body="{}", headers={"Retry-After": "1"}))

    report = enrich(fake_tmdb)

    times = [at for at, tmdb_id, _ in fake_tmdb.requests if tmdb_id == 31]
    assert len(times) == 2
    assert times[1] - times[0] >= 0.9  # Retry-After: 1, with a margin for clocks
    assert report.fetched == 1 and Credit.objects.filter(movie=movie).count() == 3


def test_requests_are_paced_to_the_configured_rate(fake_tmdb):
    for n in range(6):
        MovieFactory(tmdb_id=40 + n)

    tmdb_enrich(client=client_for(fake_tmdb, per_second=5), progress=NullProgress())

    times = [at for at, _, _ in fake_tmdb.requests]
    assert len(times) == 6
    # 5 a second: the k-th request cannot arrive before k * 0.2 s after the first. Measured
    # where the server receives them, so one late arrival shortens only its own gap; the
    # margin (half an interval) covers that. Unpaced, all six take a few milliseconds.
    since_first = [at - times[0] for at in times]
    assert all(elapsed >= k * 0.2 - 0.1 for k, elapsed in enumerate(since_first)), since_first


def test_the_limiter_spaces_calls_without_sleeping_when_already_late():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    limiter.wait()
    now[0] += 1.0  # slower than the rate: no wait
    limiter.wait()
    limiter.pause(2.0)
    limiter.wait()

    assert slept == [0.25, 2.0]


def test_a_malformed_answer_is_reported_and_left_for_the_next_run(fake_tmdb):
    broken = MovieFactory(tmdb_id=51)
    no_credits = MovieFactory(tmdb_id=52)
    fine = MovieFactory(tmdb_id=53)
    fake_tmdb.queue(51, Answer(body="<html>Bad gateway</html>"))
    fake_tmdb.queue(52, Answer(body='{"id": 52, "poster_path": "/x.jpg"}'))

    report = enrich(fake_tmdb)

    assert report.failed == 2
    assert report.problems == [
        "movie 51: the answer is not JSON",
        "movie 52: no credits object in the answer",
    ]
    for movie in (broken, no_credits, fine):
        movie.refresh_from_db()
    assert broken.credits_checked_at is None and no_credits.credits_checked_at is None
    assert fine.credits_checked_at is not None
    assert no_credits.poster_path == ""  # nothing taken from an unreadable answer
    again = enrich(fake_tmdb)
    assert again.fetched == 2 and fake_tmdb.ids()[-2:] == [51, 52]


def test_a_server_error_fails_the_job_and_keeps_what_was_fetched(fake_tmdb):
    before = MovieFactory(tmdb_id=61)
    failing = MovieFactory(tmdb_id=62)
    fake_tmdb.queue(62, Answer(status=500, body="{}"))
    job = Job.objects.create(kind=Job.Kind.IMPORT)

    tasks.tmdb_enrich_task.apply(kwargs={"job_id": job.pk})

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message == "TmdbApiError: TMDB answered HTTP 500 for movie 62."
    before.refresh_from_db()
    failing.refresh_from_db()
    assert before.credits_checked_at is not None and Credit.objects.filter(movie=before).exists()
    assert failing.credits_checked_at is None


def test_an_unreachable_server_fails_the_job_without_showing_the_key(settings):
    settings.TMDB_API_KEY = API_KEY
    settings.TMDB_API_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    MovieFactory(tmdb_id=71)
    job = Job.objects.create(kind=Job.Kind.IMPORT)

    tasks.tmdb_enrich_task.apply(kwargs={"job_id": job.pk})

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "TMDB did not answer for movie 71 (ConnectionError)" in job.message
    assert API_KEY not in job.message


def test_a_refused_key_fails_the_job(fake_tmdb):
    MovieFactory(tmdb_id=81)
    fake_tmdb.queue(81, Answer(status=401, body='{"status_code": 7}'))
    job = Job.objects.create(kind=Job.Kind.IMPORT)

    tasks.tmdb_enrich_task.apply(kwargs={"job_id": job.pk})

    job.refresh_from_db()
    assert (job.state, job.message) == (
        Job.State.FAILED,
        "TmdbApiError: TMDB refused the API key (HTTP 401); check TMDB_API_KEY.",
    )


def test_without_a_key_the_job_fails_and_says_so(settings):
    settings.TMDB_API_KEY = ""
    job = Job.objects.create(kind=Job.Kind.IMPORT)

    tasks.tmdb_enrich_task.apply(kwargs={"job_id": job.pk})

    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "TMDB_API_KEY is not set" in job.message


def test_a_job_reports_progress_and_its_summary(fake_tmdb, queued_embeddings):
    for n in range(3):
        MovieFactory(tmdb_id=90 + n)
    job = Job.objects.create(kind=Job.Kind.IMPORT)

    tasks.tmdb_enrich_task.apply(kwargs={"job_id": job.pk})

    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.message.startswith("Asked TMDB about 3 movies: credits of 3 changed")
    assert queued_embeddings == [{}]  # the new people are in the movies' documents


def test_a_job_that_changed_no_credits_queues_no_embedding(fake_tmdb, queued_embeddings):
    MovieFactory(tmdb_id=94)
    fake_tmdb.queue(94, Answer(status=404))

    tasks.tmdb_enrich_task.apply(kwargs={"job_id": Job.objects.create(kind=Job.Kind.IMPORT).pk})

    assert queued_embeddings == []


def test_a_run_out_of_time_hands_over_to_a_new_job(
    fake_tmdb, monkeypatch, django_capture_on_commit_callbacks
):
    MovieFactory(tmdb_id=95)
    monkeypatch.setattr(tasks, "TMDB_ENRICHMENT_RUN_SECONDS", 0)
    sent = []
    monkeypatch.setattr(
        tasks.tmdb_enrich_task, "apply_async", lambda kwargs=None, **options: sent.append(kwargs)
    )
    job = Job.objects.create(kind=Job.Kind.IMPORT)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.tmdb_enrich_task.apply(kwargs={"job_id": job.pk})

    follow_up = Job.objects.exclude(pk=job.pk).get()
    assert follow_up.description == "Fetch credits and posters from TMDB"
    assert sent == [{"job_id": follow_up.pk}]
    assert fake_tmdb.ids() == []


def test_a_second_run_while_one_is_fetching_does_nothing(fake_tmdb):
    MovieFactory(tmdb_id=97)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [int(AdvisoryLock.TMDB_ENRICHMENT)])
        report = enrich(fake_tmdb)
    finally:
        other.close()

    assert report.busy and fake_tmdb.ids() == []
    assert report.summary() == "Another TMDB fetch is running; this one did nothing."
