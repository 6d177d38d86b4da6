"""/healthz tells the truth about a real Celery worker from its heartbeat: named while it
runs, gone at once when it stops, and gone within STALE_SECONDS when it is killed.

Other tests' workers may beat in the same Redis, so this one looks for its own worker's
name; tests/pages/test_health.py covers a Redis without any worker."""

import time
import uuid

import pytest

from core.worker_heartbeat import STALE_SECONDS
from tests.conftest import celery_worker
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _named(client, prefix: str) -> bool:
    workers = client.get("/healthz").json()["checks"]["celery"]["workers"]
    return any(name.startswith(prefix) for name in workers)


@pytest.mark.parametrize("stop", ["terminate", "kill"])
def test_the_health_check_follows_a_real_workers_heartbeat(client, stop):
    queue = f"heartbeat-{uuid.uuid4().hex[:8]}"
    with celery_worker(queue) as worker:
        wait_until(lambda: _named(client, queue), "the worker's heartbeat", timeout=10)
        getattr(worker, stop)()
        worker.wait(timeout=30)
        # A clean stop takes its name out; a killed worker's heartbeat goes stale.
        stopped = time.monotonic()
        wait_until(lambda: not _named(client, queue), "the name gone", timeout=STALE_SECONDS + 5)
        waited = time.monotonic() - stopped
        if stop == "terminate":
            assert waited < 2
