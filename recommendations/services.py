"""Writes for the recommender: training runs and the serving model version."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core import metrics
from core.locks import AdvisoryLock
from jobs.models import Job
from jobs.progress import Progress
from recommendations import training
from recommendations.explicit import ExplicitParams, explicit_dumps, explicit_fit
from recommendations.models import TrainingRun
from recommendations.selectors import rating_triples, ratings_watermark, training_runs_orphaned

# --- Model versions --------------------------------------------------------------------


def training_run_train(
    *,
    progress: Progress,
    params: training.AlsParams | None = None,
    explicit_params: ExplicitParams | None = None,
    job: Job | None = None,
) -> TrainingRun:
    """Train on all ratings and make the result the serving version: the ALS model that
    recommends, then the explicit-stars model that predicts ratings, from one read.

    The run row is committed first, so a failure is recorded (status, error) while
    the previous version keeps serving; the exception is re-raised for the caller.
    """
    params = params or training.AlsParams()
    explicit_params = explicit_params or ExplicitParams()
    # A run whose process died stays "running"; close it as failed, e.g. the first
    # delivery of this very task when its worker was killed (late acks redeliver it).
    training_runs_orphaned().update(
        status=TrainingRun.Status.FAILED,
        error="Worker lost: the process training this run died before it finished.",
        finished_at=timezone.now(),
    )
    with transaction.atomic():
        run = TrainingRun.objects.create(
            params={**params.as_json(), "explicit": explicit_params.as_json()}, job=job
        )
        # Locked before the row is committed, so no one ever sees it running without the lock.
        _training_run_lock("pg_advisory_lock", run_id=run.pk)
    started = time.monotonic()
    try:
        progress.stage("Reading ratings")
        # Watermark first: a rating landing during the read makes the next check retrain.
        run.ratings_seen, run.ratings_updated_at = ratings_watermark()
        triples = rating_triples()
        item_factors = training.als_fit(
            training.confidence_matrix(triples, params), params, progress
        )
        run.user_count, run.item_count = len(triples.user_ids), len(triples.movie_ids)
        run.rating_count = len(triples.scores)
        run.artifact = training.artifact_dumps(triples.movie_ids, item_factors)
        progress.stage("Fitting the rating model", total=explicit_params.iterations)
        run.rating_model = explicit_dumps(
            explicit_fit(triples=triples, params=explicit_params, on_iteration=progress.advance)
        )
        run.status = TrainingRun.Status.SUCCEEDED
        run.duration_seconds = time.monotonic() - started
        run.finished_at = timezone.now()
        with transaction.atomic():
            run.save()
            training_run_activate(run=run)
    except Exception as exc:
        duration = time.monotonic() - started
        TrainingRun.objects.filter(pk=run.pk).update(
            status=TrainingRun.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            duration_seconds=duration,
            finished_at=timezone.now(),
        )
        metrics.training_run_record(succeeded=False, seconds=duration)
        raise
    finally:
        _training_run_lock("pg_advisory_unlock", run_id=run.pk)
    metrics.training_run_record(succeeded=True, seconds=run.duration_seconds)
    progress.close()
    return run


def _training_run_lock(function: str, *, run_id: int) -> None:
    """Take or release the session lock that marks the run as being trained (selectors)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [int(AdvisoryLock.TRAINING_RUN), run_id])


def training_run_activate(*, run: TrainingRun) -> TrainingRun:
    """Make `run` the serving version in one transaction (readers see old or new, never none)."""
    with transaction.atomic():
        locked = (
            TrainingRun.objects.select_for_update().defer(*TrainingRun.LARGE_FIELDS).get(pk=run.pk)
        )
        if locked.status != TrainingRun.Status.SUCCEEDED:
            raise ValidationError(
                f"Model v{run.pk} is {locked.status}; only succeeded runs can serve."
            )
        TrainingRun.objects.filter(is_serving=True).exclude(pk=run.pk).update(is_serving=False)
        TrainingRun.objects.filter(pk=run.pk).update(is_serving=True)
    run.is_serving = True
    return run


def training_run_rollback(*, to: TrainingRun | None = None) -> TrainingRun:
    """Serve `to`, or else the newest succeeded version older than the one serving now."""
    if to is None:
        serving = TrainingRun.objects.filter(is_serving=True).values_list("pk", flat=True).first()
        previous = TrainingRun.objects.defer(*TrainingRun.LARGE_FIELDS).filter(
            status=TrainingRun.Status.SUCCEEDED
        )
        if serving is not None:
            previous = previous.filter(pk__lt=serving)
        to = previous.order_by("-pk").first()
        if to is None:
            raise ValidationError("There is no earlier succeeded model to roll back to.")
    return training_run_activate(run=to)


def training_run_record_evaluation(*, run: TrainingRun, evaluation: dict) -> TrainingRun:
    run.metrics = {**run.metrics, "evaluation": evaluation}
    TrainingRun.objects.filter(pk=run.pk).update(metrics=run.metrics)
    return run
