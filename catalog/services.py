"""Writes for the catalogue: background job lifecycle (imports and embeddings add theirs)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from catalog.models import Job
from movierec.progress import JobProgress

def job_create(*, kind: Job.Kind, description: str = "") -> Job:
    return Job.objects.create(kind=kind, description=description)

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
            state=Job.State.FAILED, finished_at=timezone.now(), message=f"{type(exc).__name__}: {exc}"
        )
        raise
    progress.close()
    Job.objects.filter(pk=job_id).update(
        state=Job.State.SUCCEEDED, finished_at=timezone.now(), message=progress.job.message
    )

def job_set_message(*, progress: JobProgress, message: str) -> None:
    """Record the summary shown when the job succeeds."""
    progress.job.message = message
