"""Celery tasks: thin, id-taking, idempotent wrappers around services.

Late acks (settings) redeliver a task whose worker died, so each must be safe to rerun.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from celery import shared_task
from django.db import InterfaceError, OperationalError

from catalog import movie_map, selectors, services
from catalog.importers.tmdb_api import TmdbClient, tmdb_enrich
from catalog.signals import embedding_finished
from core.queueing import enqueue, enqueue_on_commit
from jobs.models import Job
from jobs.progress import NullProgress
from jobs.services import job_running, job_set_message, job_start

# One run embeds for at most this long, then hands over to a follow-up task,
# so the time limits below never cut a batch in half in normal operation.
EMBEDDING_RUN_SECONDS = 20 * 60


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=EMBEDDING_RUN_SECONDS + 4 * 60,
    time_limit=EMBEDDING_RUN_SECONDS + 5 * 60,
)
def embed_dirty_movies_task(self, job_id: int | None = None) -> str:
    """Embed dirty movies; re-queue while some are left. Any number may run at once."""
    deadline = time.monotonic() + EMBEDDING_RUN_SECONDS
    if job_id is None:
        report = services.movies_embed_dirty(progress=NullProgress(), deadline=deadline)
    else:
        with job_running(job_id=job_id, task_id=self.request.id or "") as progress:
            report = services.movies_embed_dirty(progress=progress, deadline=deadline)
            job_set_message(progress=progress, message=report.summary())
    if report.remaining:
        # Out of time: continue now. Otherwise the rest is leased by other workers;
        # come back when those leases would have expired, in case a worker died.
        countdown = 0 if report.timed_out else services.EMBEDDING_LEASE.total_seconds()
        embed_dirty_movies_task.apply_async(countdown=countdown)
    elif report.encoded:
        movie_map_job_start()  # the catalogue's embeddings moved: so does its map
        embedding_finished.send(sender=embed_dirty_movies_task)
    return report.summary()


@shared_task(acks_late=True, ignore_result=True)
def sweep_dirty_movies() -> bool:
    """Beat: queue embedding for dirty movies no worker is on, e.g. edits saved while
    Redis was down (their on-commit enqueue was dropped). True when it queued one."""
    if not selectors.movies_waiting_unclaimed_exist(lease=services.EMBEDDING_LEASE):
        return False
    return enqueue(embed_dirty_movies_task)


def movies_reembed(*, movie_ids: Iterable[int]) -> int:
    """Flag movies whose text may have changed and queue their embedding after commit.

    With the broker down the movies stay dirty for `sweep_dirty_movies`.
    """
    count = services.movie_mark_dirty(movie_ids=movie_ids)
    if count:
        enqueue_on_commit(embed_dirty_movies_task)
    return count


def embedding_job_start() -> Job:
    """A Job row for the admin, and the task that embeds every dirty movie under it."""
    return job_start(
        kind=Job.Kind.EMBEDDING,
        description="Embed movies waiting for it",
        task=embed_dirty_movies_task,
    )


# UMAP on 9.7k movies takes about a minute on two cores, plus ~40 s compiling its kernels
# in a fresh worker; 62k movies (not measured yet) several times that: room to spare.
MOVIE_MAP_SECONDS = 40 * 60


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=MOVIE_MAP_SECONDS,
    time_limit=MOVIE_MAP_SECONDS + 60,
)
def movie_map_refresh_task(self, job_id: int | None = None) -> str:
    """Recompute the movie map unless it is current. Beat runs it without a job, to catch
    a run whose queueing failed; after an embedding run it comes with one."""
    if job_id is None:
        return movie_map.movie_map_refresh(progress=NullProgress()).summary()
    if Job.objects.filter(pk=job_id, state=Job.State.SUCCEEDED).exists():
        return "Already done."  # a redelivered task
    with job_running(job_id=job_id, task_id=self.request.id or "") as progress:
        report = movie_map.movie_map_refresh(progress=progress)
        job_set_message(progress=progress, message=report.summary())
    return report.summary()


def movie_map_job_start() -> Job:
    """A Job row for the jobs page, and the task that recomputes the movie map under it."""
    return job_start(
        kind=Job.Kind.MOVIE_MAP,
        description="Lay out the movie map",
        task=movie_map_refresh_task,
    )


# One TMDB run asks for at most this long (about 4,800 movies at 4 a second), then hands over
# to a new job, so the time limits below never cut a batch in half in normal operation.
TMDB_ENRICHMENT_RUN_SECONDS = 20 * 60


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=TMDB_ENRICHMENT_RUN_SECONDS + 4 * 60,
    time_limit=TMDB_ENRICHMENT_RUN_SECONDS + 5 * 60,
)
def tmdb_enrich_task(self, job_id: int) -> str:
    """Fetch credits and posters from TMDB; a redelivered run continues where it stopped,
    since finished movies are marked. Errors from TMDB fail the job with their reason."""
    deadline = time.monotonic() + TMDB_ENRICHMENT_RUN_SECONDS
    with job_running(job_id=job_id, task_id=self.request.id or "") as progress:
        report = tmdb_enrich(
            client=TmdbClient.from_settings(), progress=progress, deadline=deadline
        )
        job_set_message(progress=progress, message=report.summary())
    if report.credits_changed:
        # New people change documents; without a broker the beat sweep catches up.
        enqueue(embed_dirty_movies_task)
    if report.timed_out:
        tmdb_enrichment_job_start()
    return report.summary()


def tmdb_enrichment_job_start() -> Job:
    """A Job row for the admin, and the task that asks TMDB about movies missing details."""
    return job_start(
        kind=Job.Kind.IMPORT,
        description="Fetch credits and posters from TMDB",
        task=tmdb_enrich_task,
    )
