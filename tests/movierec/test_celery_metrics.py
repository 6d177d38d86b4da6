"""Celery task outcomes (movierec.celery's signal handlers, core.metrics)."""

import socket
import uuid

import pytest
import urllib3
from django.db import OperationalError
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from catalog.tasks import sweep_dirty_movies
from jobs.models import Job
from jobs.services import job_create
from recommendations import tasks
from tests.conftest import celery_worker
from tests.waiting import wait_until

TRAIN = "recommendations.tasks.train_recommender"
SWEEP = "catalog.tasks.sweep_dirty_movies"


def outcomes(task: str) -> dict[str, float]:
    return {
        outcome: REGISTRY.get_sample_value(
            "movierec_celery_tasks_total", {"task": task, "outcome": outcome}
        )
        or 0
        for outcome in ("succeeded", "failed", "retried")
    }


@pytest.mark.django_db
def test_a_success_and_a_failure_are_counted_by_task_name():
    sweep, train = outcomes(SWEEP), outcomes(TRAIN)
    sweep_dirty_movies.apply()
    tasks.train_recommender.apply(args=[-1])  # no such job: Job.DoesNotExist
    assert outcomes(SWEEP) == sweep | {"succeeded": sweep["succeeded"] + 1}
    assert outcomes(TRAIN) == train | {"failed": train["failed"] + 1}


@pytest.mark.django_db
def test_each_retry_is_counted(monkeypatch):
    def database_gone(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(tasks, "training_run_train", database_gone)
    job = job_create(kind=Job.Kind.TRAINING, description="retried")
    before = outcomes(TRAIN)
    tasks.train_recommender.apply(args=[job.pk])
    after = outcomes(TRAIN)
    retries = tasks.train_recommender.max_retries
    assert after == before | {
        "retried": before["retried"] + retries,
        "failed": before["failed"] + 1,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scrape(port: int) -> dict[tuple[str, tuple], float]:
    body = urllib3.request("GET", f"http://127.0.0.1:{port}/metrics", timeout=5).data.decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_prefork_worker_serves_the_sum_of_its_pool_processes(tmp_path):
    """The pool's processes run the tasks; the main process serves their files."""
    port = _free_port()
    (tmp_path / "counter_1.db").write_bytes(b"left by an earlier run")
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "WORKER_METRICS_ADDRESS": f"127.0.0.1:{port}",
    }
    sent = 12
    with celery_worker(
        f"metrics-{uuid.uuid4().hex[:8]}", pool=("-P", "prefork", "-c", "2"), env=env
    ):
        for _ in range(sent):
            sweep_dirty_movies.delay()
        key = ("movierec_celery_tasks_total", (("outcome", "succeeded"), ("task", SWEEP)))
        wait_until(lambda: _scrape(port).get(key, 0) >= sent, "the tasks' counts", interval=0.5)
        values = _scrape(port)
    assert values.get(key) == sent, values
    # The main process ran none of them: these are the pool processes' counts, read from
    # their files, and an earlier run's file was cleared at start.
    assert not (tmp_path / "counter_1.db").exists()
    assert list(tmp_path.glob("counter_*.db"))
