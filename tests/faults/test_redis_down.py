"""Redis down: the site and API keep serving and accepting ratings; queued work is
reconciled by the beat sweep once Redis is back. A real redis-server is stopped."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import api_token_revoke_all
from catalog.models import Movie
from catalog.tasks import (
    embedding_job_start,
    movies_reembed,
    sweep_dirty_movies,
)
from core.queueing import enqueue
from jobs.models import Job
from movierec.celery import app as celery_app
from ratings.models import Rating
from ratings.tasks import movielens_import_enqueue
from social.services import user_suspend
from tests.api.conftest import V1, token_client
from tests.factories import UserFactory

# Refused connections fail at once; this bounds one quick retry plus slack for a busy CI box.
QUICK_SECONDS = 3.0
EMBED_TASK = "catalog.tasks.embed_dirty_movies_task"


def queued_task_names(server) -> list[str]:
    """Task names of the messages waiting in the default queue (kombu's Redis list)."""
    raw = server.client().lrange(celery_app.conf.task_default_queue, 0, -1)
    return [json.loads(message)["headers"]["task"] for message in raw]


def test_enqueue_publishes_when_redis_is_up(broker, movie):
    assert enqueue(sweep_dirty_movies) is True
    assert queued_task_names(broker) == ["catalog.tasks.sweep_dirty_movies"]


def test_enqueue_gives_up_quickly_when_redis_is_down(broker, movie, caplog):
    broker.stop()
    start = time.monotonic()
    assert enqueue(sweep_dirty_movies) is False
    assert time.monotonic() - start < QUICK_SECONDS
    assert "left for reconciliation" in caplog.text


def test_ratings_are_accepted_and_recommendations_served(broker, trained, world, client):
    broker.stop()
    fan = world.space_fans[0]
    unrated = next(m for m in world.space if not Rating.objects.filter(user=fan, movie=m).exists())

    client.force_login(fan)
    page = client.post(f"/movies/{unrated.pk}/rate/", {"score": "4.5"})
    assert page.status_code == 302
    assert Rating.objects.get(user=fan, movie=unrated).score == Decimal("4.5")

    api = token_client(fan)
    response = api.put(f"{V1}/movies/{world.romance[0].pk}/rating/", {"score": 2}, format="json")
    assert response.status_code == 200, response.content
    assert Rating.objects.get(user=fan, movie=world.romance[0]).score == Decimal("2")

    assert client.get("/").status_code == 200
    recommendations = api.get(f"{V1}/recommendations/", {"k": 5})
    assert recommendations.status_code == 200
    assert recommendations.json()["results"]


def test_edit_commits_quickly_and_the_sweep_queues_it_once_redis_is_back(
    broker, movie, django_capture_on_commit_callbacks
):
    Movie.objects.update(needs_embedding=False)
    broker.stop()

    start = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert movies_reembed(movie_ids=[movie.pk]) == 1
    assert len(callbacks) == 1  # the embedding task was due, and its publish failed quietly
    assert time.monotonic() - start < QUICK_SECONDS
    assert Movie.objects.get(pk=movie.pk).needs_embedding

    broker.start()  # same port, same append-only file: an empty queue
    assert queued_task_names(broker) == []
    assert sweep_dirty_movies() is True
    assert queued_task_names(broker) == [EMBED_TASK]


def test_sweep_leaves_movies_a_worker_holds(broker, movie):
    Movie.objects.update(needs_embedding=False)
    assert sweep_dirty_movies() is False
    Movie.objects.filter(pk=movie.pk).update(
        needs_embedding=True, embedding_claimed_at=timezone.now()
    )
    assert sweep_dirty_movies() is False  # leased: its worker is on it
    assert queued_task_names(broker) == []


@pytest.mark.parametrize(
    "start_job",
    [embedding_job_start, lambda: movielens_import_enqueue(source="/data/ml-latest-small.zip")],
    ids=["embedding", "import"],
)
def test_job_that_cannot_be_queued_is_marked_failed(
    broker, db, django_capture_on_commit_callbacks, start_job
):
    broker.stop()
    start = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job()
    assert time.monotonic() - start < QUICK_SECONDS
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "Redis" in job.message


def test_api_retrain_answers_while_redis_is_down(broker, db, django_capture_on_commit_callbacks):
    broker.stop()
    staff = token_client(UserFactory(is_staff=True))
    start = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"{V1}/admin/retrain/")
    assert response.status_code == 202, response.content
    assert time.monotonic() - start < QUICK_SECONDS
    assert Job.objects.get(pk=response.json()["id"]).state == Job.State.FAILED


def test_api_throttles_let_requests_through_while_redis_is_down(
    broker, db, settings, throttle_rates, caplog
):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**settings.CACHES["ratelimit"], "LOCATION": broker.url},
    }
    throttle_rates(anon="2/hour")
    anon = APIClient()
    assert [anon.get(f"{V1}/genres/").status_code for _ in range(3)] == [200, 200, 429]

    broker.stop()
    start = time.monotonic()
    assert [anon.get(f"{V1}/genres/").status_code for _ in range(5)] == [200] * 5
    assert time.monotonic() - start < QUICK_SECONDS
    assert caplog.text.count("Rate limits are off") == 1


@pytest.fixture
def token_cache_on_broker(broker, settings):
    """API token lookups cached in the Redis the test can stop."""
    settings.CACHES = {
        **settings.CACHES,
        "tokens": {**settings.CACHES["tokens"], "LOCATION": broker.url},
    }
    return broker


def test_api_tokens_authenticate_from_the_database_while_redis_is_down(
    token_cache_on_broker, db, caplog
):
    alice = token_client(UserFactory(username="alice"))
    assert alice.get(f"{V1}/me/").status_code == 200  # cached in Redis

    token_cache_on_broker.stop()
    start = time.monotonic()
    assert [alice.get(f"{V1}/me/").json()["username"] for _ in range(3)] == ["alice"] * 3
    assert time.monotonic() - start < QUICK_SECONDS
    assert caplog.text.count("API token lookups read the database") == 1


def test_a_revocation_that_cannot_end_the_cached_lookup_fails(
    token_cache_on_broker, transactional_db
):
    user = UserFactory()
    client = token_client(user)
    assert client.get(f"{V1}/me/").status_code == 200  # cached in Redis

    token_cache_on_broker.stop()
    with pytest.raises(RedisConnectionError):
        api_token_revoke_all(user=user)
    with pytest.raises(RedisConnectionError):
        user_suspend(user=user)
    # Nothing changed: once Redis is back, the revocation can be made again.
    assert ApiToken.objects.filter(user=user).count() == 1
    assert User.objects.get(pk=user.pk).is_active


def test_healthz_reports_redis_down_quickly(broker, db, client):
    broker.stop()
    start = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - start < QUICK_SECONDS
    checks = response.json()["checks"]
    assert checks["database"]["ok"] and not checks["redis"]["ok"]
