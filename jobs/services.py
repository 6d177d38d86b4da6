"""Writes for background jobs: the one recipe that starts a job, and its lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from celery import Task
from django.db import transaction
from django.utils import timezone

from core.queueing import enqueue_on_commit
from jobs.models import Job
from jobs.progress import JobProgress


def job_create(*, kind: Job.Kind, description: str = "") -> Job:
    return Job.objects.create(kind=kind, description=description[:300])


def job_start(*, kind: Job.Kind, description: str, task: Task, **task_kwargs) -> Job:
    """Create a Job row and queue `task(job_id=..., **task_kwargs)` once it is committed.

    The task runs the job (`job_running`). If the broker cannot take the task, the job
    is marked failed instead of showing "queued" forever.
    """
    with transaction.atomic():
        job = job_create(kind=kind, description=description)
        enqueue_on_commit(
            task,
            job_id=job.pk,
            on_unavailable=lambda: job_mark_unqueued(job_id=job.pk),
            **task_kwargs,
        )
    return job


@contextmanager
def job_running(*, job_id: int, task_id: str = "") -> Iterator[JobProgress]:
    """Mark a job running, yield its progress reporter, then record success or the error.

    The error is saved before re-raising, so a failed job always shows why.
    """
    Job.objects.filter(pk=job_id).update(
        state=Job.State.RUNNING, started_at=timezone.now(), celery_task_id=task_id, message=""
    )
    progress = JobProgress(Job.objects.get(pk=job_id))
    try:
        yield progress
    except BaseException as exc:
        progress.close()
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}",
        )
        raise
    progress.close()
    Job.objects.filter(pk=job_id).update(
        state=Job.State.SUCCEEDED, finished_at=timezone.now(), message=progress.job.message
    )


def job_mark_unqueued(*, job_id: int) -> None:
    """A queued job whose task could not be published (the broker was unavailable)."""
    Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.FAILED,
        finished_at=timezone.now(),
        message="Not started: the task queue (Redis) was unavailable. Start it again, or "
        "let the scheduled jobs catch up once Redis is back.",
    )


def job_set_message(*, progress: JobProgress, message: str) -> None:
    """Record the summary shown when the job succeeds."""
    progress.job.message = message
