"""Celery tasks for imported ratings datasets: thin, id-taking, safe to rerun."""

from __future__ import annotations

from celery import shared_task

from jobs.models import Job
from jobs.services import job_running, job_set_message, job_start
from ratings.movielens.service import movielens_import

# An import of ml-25m takes minutes; the limits only stop a stuck one.
IMPORT_TIME_LIMIT_SECONDS = 2 * 60 * 60


@shared_task(
    # Its name from before the importer moved here, so tasks queued by then still run.
    name="catalog.tasks.import_movielens_task",
    bind=True,
    acks_late=True,
    soft_time_limit=IMPORT_TIME_LIMIT_SECONDS - 60,
    time_limit=IMPORT_TIME_LIMIT_SECONDS,
)
def import_movielens_task(self, job_id: int, source: str) -> str:
    """Import a MovieLens dataset into the catalogue; a rerun is harmless (idempotent import)."""
    with job_running(job_id=job_id, task_id=self.request.id or "") as progress:
        report = movielens_import(source=source, progress=progress)
        job_set_message(progress=progress, message=report.summary())
    return report.summary()


def movielens_import_enqueue(*, source: str) -> Job:
    """Create an import Job and queue its task once the surrounding transaction commits."""
    return job_start(
        kind=Job.Kind.IMPORT,
        description=f"MovieLens import from {source}",
        task=import_movielens_task,
        source=source,
    )
