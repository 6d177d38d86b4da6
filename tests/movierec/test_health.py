import socket

import pytest

from movierec import embedded
from tests.factories import MovieFactory


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
