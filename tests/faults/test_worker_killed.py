"""A Celery worker SIGKILLed mid-task, then a new worker on the same queue.

A killed worker acknowledges nothing (late acks), so Redis keeps its message unacked
and hands it out again once the visibility timeout (over an hour) has passed; an
embedding lease likewise frees its movies once it expires (5 minutes). The tests age
the delivery and the lease by that much instead of waiting: everything else is real.
"""

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from django.db import connection
from django.db.models import Count, F, Q

from catalog.models import Movie
from catalog.services import EMBEDDING_CLAIM_SIZE, EMBEDDING_LEASE
from catalog.tasks import embedding_job_start
from jobs.models import Job
from movierec.celery import app as celery_app
from ratings.models import Rating
from ratings.services import rating_upsert
from recommendations.models import TrainingRun
from recommendations.selectors import training_in_flight
from recommendations.serving import serving_model
from recommendations.tasks import retrain_if_ratings_changed, training_job_start
from tests.conftest import celery_worker
from tests.factories import MovieFactory
from tests.waiting import wait_until


def kill(worker: subprocess.Popen) -> None:
    worker.kill()
    worker.wait(timeout=10)


def age_unacked_deliveries(queue: str) -> int:
    """Backdate the unacked deliveries from `queue` by the visibility timeout, as if that
    long had passed since the dead worker took them; returns how many there were."""
    with celery_app.connection_for_write() as broker:
        channel = broker.default_channel
        overdue = time.time() - channel.visibility_timeout - 1
        aged = 0
        for tag, payload in channel.client.hgetall(channel.unacked_key).items():
            _message, _exchange, routing_key = json.loads(payload)
            if routing_key == queue:
                channel.client.zadd(channel.unacked_index_key, {tag: overdue})
                aged += 1
        return aged


@contextmanager
def row_locked(run: TrainingRun) -> Iterator[int]:
    """Hold `run`'s row lock from another session; yields that session's backend pid."""
    with psycopg.connect(**connection.get_connection_params()) as session:
        session.execute(
            f"SELECT 1 FROM {TrainingRun._meta.db_table} WHERE id = %s FOR UPDATE", [run.pk]
        )
        yield session.info.backend_pid


def blocked_by(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid)))",
            [pid],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "start_training",
    [training_job_start, retrain_if_ratings_changed.delay],
    ids=["admin-job", "beat-retrain"],
)
def test_training_killed_mid_way_keeps_the_old_model_and_finishes_after_a_restart(
    world, trained, start_training
):
    v1 = trained
    # Ratings moved since v1, so the beat's retrain has work to do.
    rating_upsert(user=world.space_fans[0], movie=world.romance[0], score="4.5")
    queue = f"test-{uuid.uuid4().hex[:10]}"

    # Holding v1's row stops the worker in the last step, swapping the new model in:
    # the run is fitted and saved as succeeded in a transaction that is not committed.
    with row_locked(v1) as lock_holder, celery_worker(queue) as worker:
        start_training()
        wait_until(lambda: blocked_by(lock_holder), "the worker to reach the model swap")
        killed = TrainingRun.objects.get(status=TrainingRun.Status.RUNNING)
        assert training_in_flight()
        kill(worker)

    # The dead worker's session ends once the lock is released: its transaction rolls back,
    # and its run no longer counts as in flight (which would hold the beat's retrain back).
    wait_until(lambda: not training_in_flight(), "the killed run to stop counting as in flight")
    assert TrainingRun.objects.get(is_serving=True) == v1
    assert serving_model().run_id == v1.pk
    killed.refresh_from_db()
    assert killed.status == TrainingRun.Status.RUNNING and not killed.is_serving

    assert age_unacked_deliveries(queue) == 1
    with celery_worker(queue):
        wait_until(
            lambda: TrainingRun.objects.filter(is_serving=True).exclude(pk=v1.pk).exists(),
            "the redelivered training to serve a new model",
        )

    new = TrainingRun.objects.get(is_serving=True)
    assert new.pk > killed.pk and new.status == TrainingRun.Status.SUCCEEDED
    assert new.rating_count == Rating.objects.count()
    assert serving_model().run_id == new.pk
    killed.refresh_from_db()
    assert killed.status == TrainingRun.Status.FAILED and not killed.is_serving
    assert killed.error.startswith("Worker lost") and killed.finished_at
    assert not training_in_flight()


def embedding_state() -> dict[str, int]:
    return Movie.objects.aggregate(
        embedded=Count("pk", filter=Q(needs_embedding=False, embedding__isnull=False)),
        claimed=Count("pk", filter=Q(embedding_claimed_at__isnull=False)),
    )


@pytest.mark.django_db(transaction=True)
def test_embedding_killed_mid_way_embeds_every_movie_after_a_restart():
    left_over = 100
    MovieFactory.create_batch(EMBEDDING_CLAIM_SIZE + left_over)
    queue = f"test-{uuid.uuid4().hex[:10]}"

    with celery_worker(queue) as worker:
        job = embedding_job_start()
        # Both at once only while the second batch is being encoded: the first is written.
        wait_until(
            lambda: all(embedding_state().values()),
            "the first batch to be written and the second claimed",
            timeout=120,
        )
        kill(worker)

    assert embedding_state() == {"embedded": EMBEDDING_CLAIM_SIZE, "claimed": left_over}
    assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING

    # By the time the delivery is overdue the (shorter) lease has long expired too.
    Movie.objects.filter(embedding_claimed_at__isnull=False).update(
        embedding_claimed_at=F("embedding_claimed_at") - EMBEDDING_LEASE
    )
    assert age_unacked_deliveries(queue) == 1
    with celery_worker(queue):
        wait_until(
            lambda: Job.objects.filter(
                pk=job.pk, state__in=[Job.State.SUCCEEDED, Job.State.FAILED]
            ).exists(),
            "the redelivered embedding job to finish",
            timeout=120,
        )

    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.message
    assert job.message == f"Embedded {left_over} movies, 0 unchanged."
    assert not Movie.objects.filter(
        Q(embedding__isnull=True) | Q(needs_embedding=True) | Q(embedding_claimed_at__isnull=False)
    ).exists()
