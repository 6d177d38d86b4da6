"""Celery tasks: thin wrappers that take ids and call the services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from jobs.models import Job
from jobs.services import job_create, job_running, job_set_message, job_start
from recommendations.selectors import (
    training_in_flight,
    training_is_provisional,
    training_is_stale,
    training_search_due,
)
from recommendations.training import training_run_train

PROVISIONAL_RETRAIN = "Retrain: complete the quick model (tuning, full EASE and stars)"


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def train_recommender(self, job_id: int, tune: bool = True, quick: bool = False) -> int | None:
    # Late acks redeliver a task whose worker died; a finished job is not redone.
    if Job.objects.filter(pk=job_id, state=Job.State.SUCCEEDED).exists():
        return None
    with job_running(job_id=job_id, task_id=self.request.id or "") as progress:
        run = training_run_train(
            progress=progress, tune=tune, quick=quick, job=Job.objects.get(pk=job_id)
        )
        job_set_message(
            progress=progress,
            message=f"Model v{run.pk} serving: {run.user_count} users, {run.item_count} movies, "
            f"{run.rating_count} ratings in {run.duration_seconds:.1f}s.",
        )
    return run.pk


@shared_task(
    acks_late=True,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
)
def retrain_if_ratings_changed() -> int | None:
    """Beat: train when ratings moved, or when the serving model is provisional (the first
    start's quick one, or trained without the tuning search or the rating model), and no
    training is in flight; returns the job id. A retrain for moved ratings reuses the last
    choice unless the full search is due (`selectors.training_search_due`).

    It trains in place rather than queueing `train_recommender`: it already runs on
    a worker, and a second hop could land on a queue this deployment doesn't serve.
    """
    if training_in_flight():
        return None
    if training_is_stale():
        tune = training_search_due()
        description = "Retrain: ratings changed" + (
            ", full search" if tune else ", last choice reused"
        )
    elif training_is_provisional():
        description, tune = PROVISIONAL_RETRAIN, True
    else:
        return None
    job = job_create(kind=Job.Kind.TRAINING, description=description)
    train_recommender(job.pk, tune=tune)
    return job.pk


def training_job_start(*, description: str = "Train recommender", quick: bool = False) -> Job:
    """A Job row for the admin, and the training task queued once it is committed."""
    return job_start(
        kind=Job.Kind.TRAINING,
        description=description,
        task=train_recommender,
        quick=quick,
    )


def provisional_model_complete(**_signal) -> Job | None:
    """Once the catalogue is embedded (`catalog.signals.embedding_finished`), queue the
    training that completes a provisional model: the first start's quick model left the
    search, most of EASE and most of the rating model's fit until the CPU was free, and
    its users should not wait for the hourly check to get the complete model."""
    if training_in_flight() or not training_is_provisional():
        return None
    return training_job_start(description=PROVISIONAL_RETRAIN)
