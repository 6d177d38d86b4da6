import socket
import time
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from core.worker_heartbeat import KEY, STALE_SECONDS, worker_heartbeat_clear, worker_heartbeat_write
from movierec import embedded
from recommendations.models import TrainingRun
from tests.factories import MovieFactory, UserFactory, rate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_healthy_with_a_worker(client, celery_worker_process):
    MovieFactory.create_batch(2)
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["celery"]["workers"]
    assert body["checks"]["embeddings"]["pending"] == 2


@pytest.fixture
def private_redis(settings, tmp_path):
    """A Redis of this test's own: nobody else's workers beat there."""
    port = _free_port()
    process = embedded.spawn_redis(port, tmp_path)
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    yield redis.Redis(port=port)
    embedded.stop_process(process)


@pytest.mark.django_db
def test_the_worker_check_reads_the_heartbeats(client, private_redis):
    body = client.get("/healthz").json()
    assert body["checks"]["celery"] == {
        "ok": False,
        "error": "no Celery worker is alive",
        "workers": [],
    }
    worker_heartbeat_write(client=private_redis, name="w1@host")
    worker_heartbeat_write(client=private_redis, name="w2@host")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["celery"] == {"ok": True, "workers": ["w1@host", "w2@host"]}
    worker_heartbeat_clear(client=private_redis, name="w1@host")
    assert client.get("/healthz").json()["checks"]["celery"]["workers"] == ["w2@host"]


@pytest.mark.django_db
def test_a_worker_whose_heartbeat_is_stale_is_gone(client, private_redis):
    private_redis.zadd(KEY, {"old@host": time.time() - STALE_SECONDS - 1})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["celery"]["workers"] == []


@pytest.mark.django_db
def test_503_when_redis_is_down(client, settings, tmp_path):
    port = _free_port()
    process = embedded.spawn_redis(port, tmp_path)
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    embedded.stop_process(process)  # a real Redis that has just died
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["celery"] == {"ok": False, "error": "broker (Redis) is down"}
    assert body["checks"]["database"] == {"ok": True}


def _serving_run(finished_seconds_ago: int) -> TrainingRun:
    finished = timezone.now() - timedelta(seconds=finished_seconds_ago)
    return TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED, als_model=b"npz", finished_at=finished, is_serving=True
    )


@pytest.mark.django_db
def test_reports_the_serving_models_version_and_age(client, celery_worker_process):
    TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED, als_model=b"npz", finished_at=timezone.now()
    )  # newer, but not serving
    run = _serving_run(finished_seconds_ago=3600)
    response = client.get("/healthz")
    model = response.json()["checks"]["model"]
    assert response.status_code == 200
    assert model["version"] == run.pk
    assert 3600 <= model["age_seconds"] <= 3610


@pytest.mark.django_db
def test_no_model_is_healthy_until_there_are_ratings(client, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["model"] == {"ok": True, "version": None, "age_seconds": None}
    rate(UserFactory(), MovieFactory(), "4.0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["model"] == {
        "ok": False,
        "version": None,
        "age_seconds": None,
        "error": "ratings exist but no model serves",
    }
