"""A training run, end to end: read the ratings, choose the parameters (the tuning search,
or the last run's choice), fit every model on all the ratings, store them on the run's
row and make it the serving version (docs/architecture.md, "A training run").

Each step is one short function below; `training_run_train` tells the story.
"""

from __future__ import annotations

import dataclasses
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core import metrics
from core.locks import AdvisoryLock
from jobs.models import Job
from jobs.progress import Progress
from recommendations.algorithms import als
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.ease import EaseParams, ease_dumps, ease_fit
from recommendations.algorithms.rating import (
    RatingParams,
    rating_dumps,
    rating_fit,
    svdpp_iterations,
)
from recommendations.choice import Choice
from recommendations.config import HybridParams
from recommendations.models import TrainingRun
from recommendations.selectors import (
    movie_embedding_matrix,
    movie_genre_masks,
    rating_triples,
    ratings_watermark,
    training_run_last_params,
    training_runs_orphaned,
)
from recommendations.services import training_run_activate
from recommendations.tuning import search_for_run
from recommendations.types import RatingTriples

# The first start's quick model (`training_run_train(quick=True)`) trains beside the
# embedding of the catalogue, on the same cores, and is replaced by the next run. Measured
# on ml-latest-small (CPU seconds): EASE over 5,000 films 15, over 2,000 2.4; the rating
# model with 150 SVD++ iterations 25, with 30 8 (validation RMSE 0.843 against 0.836).
QUICK_EASE_MAX_ITEMS = 2000
QUICK_SVDPP_ITERATIONS = 30

# What the admin and `train_recommender` say of a run whose search the budget cut short.
CUT_SHORT = "Cut short by the time budget: the run serves the last complete choice."


def training_run_train(
    *,
    progress: Progress,
    tune: bool = True,
    rating_model: bool = True,
    seed: int = 0,
    params: als.AlsParams | None = None,
    ease_params: EaseParams | None = None,
    config: HybridParams | None = None,
    rating_params: RatingParams | None = None,
    job: Job | None = None,
    quick: bool = False,
) -> TrainingRun:
    """Train on all ratings and make the result the serving version: the ALS and EASE
    models that recommend, the blend that combines them, the "more like this" weights,
    then the rating model that predicts stars, from one read.

    Hyper-parameters given here are used as they are. Otherwise, with `tune` and a
    RECOMMENDER_TUNING_SECONDS budget, they are searched on a validation split of these
    very ratings (`seed` draws it), then everything is refitted on all of them; without,
    or when the budget cuts the search short, the last run's choice is reused (the
    defaults before any run). The choice is stored on the run with its validation
    metrics. Without `rating_model` the run predicts no stars. `quick` is the first
    start's model, which leaves most of the CPU to the embedding yet predicts stars at
    once (`_quick`); the next run completes it (`selectors.training_is_provisional`).

    The run row is committed first, so a failure is recorded (status, error) while
    the previous version keeps serving; the exception is re-raised for the caller.
    """
    given = any(p is not None for p in (params, ease_params, config))
    last = last_choice()
    choice = dataclasses.replace(
        last,
        als=params or last.als,
        ease=ease_params or last.ease,
        hybrid=config or last.hybrid,
        rating=rating_params or RatingParams(),
    )
    if quick:
        choice, tune = _quick(choice), False
    run = _run_start(choice=choice, job=job)
    started = time.monotonic()
    try:
        triples = _read(run, progress)
        if tune and not given and settings.RECOMMENDER_TUNING_SECONDS > 0:
            choice = _choose(
                run, triples, start=choice, rating_model=rating_model, seed=seed, progress=progress
            )
        _fit_all(run, triples, choice, rating_model=rating_model, progress=progress)
        _store_and_activate(run, seconds=time.monotonic() - started)
    except Exception as exc:
        _run_failed(run, exc, seconds=time.monotonic() - started)
        raise
    finally:
        _training_run_lock("pg_advisory_unlock", run_id=run.pk)
    metrics.training_run_record(succeeded=True, seconds=run.duration_seconds)
    progress.close()
    return run


def last_choice() -> Choice:
    """The hyper-parameters of the newest succeeded run (the defaults before any), with
    EASE's size from the settings: a memory bound is the operator's, not the search's. A
    quick run's cut-down fits are not passed on: the run after it completes them."""
    choice = Choice.from_json(training_run_last_params())
    ease = dataclasses.replace(choice.ease, max_items=settings.RECOMMENDER_EASE_MAX_ITEMS)
    return dataclasses.replace(choice, ease=ease, quick=False)


def _quick(choice: Choice) -> Choice:
    """The choice cut down for the first start: EASE over QUICK_EASE_MAX_ITEMS films and
    QUICK_SVDPP_ITERATIONS of SVD++."""
    return dataclasses.replace(
        choice,
        ease=dataclasses.replace(
            choice.ease, max_items=min(choice.ease.max_items, QUICK_EASE_MAX_ITEMS)
        ),
        rating=dataclasses.replace(choice.rating, iterations=QUICK_SVDPP_ITERATIONS),
        quick=True,
    )


def _run_start(*, choice: Choice, job: Job | None) -> TrainingRun:
    """The run's row, committed and locked as being trained."""
    # A run whose process died stays "running"; close it as failed, e.g. the first
    # delivery of this very task when its worker was killed (late acks redeliver it).
    training_runs_orphaned().update(
        status=TrainingRun.Status.FAILED,
        error="Worker lost: the process training this run died before it finished.",
        finished_at=timezone.now(),
    )
    with transaction.atomic():
        run = TrainingRun.objects.create(params=choice.as_json(), job=job)
        # Locked before the row is committed, so no one ever sees it running without the lock.
        _training_run_lock("pg_advisory_lock", run_id=run.pk)
    return run


def _read(run: TrainingRun, progress: Progress) -> RatingTriples:
    progress.stage("Reading ratings")
    # Watermark first: a rating landing during the read makes the next check retrain.
    run.ratings_seen, run.ratings_updated_at = ratings_watermark()
    return rating_triples()


def _choose(
    run: TrainingRun,
    triples: RatingTriples,
    *,
    start: Choice,
    rating_model: bool,
    seed: int,
    progress: Progress,
) -> Choice:
    """The tuning search within RECOMMENDER_TUNING_SECONDS; its validation metrics go on
    the run, and its choice unless the budget cut it short: a partial search's choice
    depends on how busy the machine was, so the run then keeps `start`, the last
    complete choice."""
    found, run.metrics = search_for_run(
        triples,
        movie_embedding_matrix(movie_ids=triples.movie_ids),
        progress,
        start=start,
        rating_params=start.rating if rating_model else None,
        seed=seed,
        seconds=settings.RECOMMENDER_TUNING_SECONDS,
        genres=GenreShares.from_masks(
            triples.movie_ids, movie_genre_masks(movie_ids=triples.movie_ids)
        ),
    )
    metrics.tuning_search_record(cut_short=found.out_of_time)
    if found.out_of_time:
        return start
    choice = dataclasses.replace(found.choice, rating=start.rating)
    run.params = choice.as_json()
    return choice


def _fit_all(
    run: TrainingRun,
    triples: RatingTriples,
    choice: Choice,
    *,
    rating_model: bool,
    progress: Progress,
) -> None:
    """ALS, EASE and (with `rating_model`) the rating model on every rating, onto the run."""
    fitted = als.als_fit(ratings=triples, params=choice.als, progress=progress)
    run.user_count, run.item_count = len(triples.user_ids), len(triples.movie_ids)
    run.rating_count = len(triples.scores)
    run.als_model = als.als_dumps(fitted)
    progress.stage(f"Fitting EASE on the {choice.ease.max_items:,} most-rated films")
    run.ease_model = ease_dumps(ease_fit(ratings=triples, params=choice.ease))
    if rating_model:
        progress.stage(
            "Fitting the rating model",
            total=svdpp_iterations(choice.rating, ratings=len(triples.scores)),
        )
        run.rating_model = rating_dumps(
            rating_fit(triples=triples, params=choice.rating, on_iteration=progress.advance)
        )


def _store_and_activate(run: TrainingRun, *, seconds: float) -> None:
    run.status = TrainingRun.Status.SUCCEEDED
    run.duration_seconds = seconds
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save()
        training_run_activate(run=run)


def _run_failed(run: TrainingRun, exc: Exception, *, seconds: float) -> None:
    """Recorded on the row while the previous version keeps serving."""
    TrainingRun.objects.filter(pk=run.pk).update(
        status=TrainingRun.Status.FAILED,
        error=f"{type(exc).__name__}: {exc}",
        duration_seconds=seconds,
        finished_at=timezone.now(),
    )
    metrics.training_run_record(succeeded=False, seconds=seconds)


def _training_run_lock(function: str, *, run_id: int) -> None:
    """Take or release the session lock that marks the run as being trained (selectors)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [int(AdvisoryLock.TRAINING_RUN), run_id])
