"""Writes for the recommender: training runs and the serving model version."""

from __future__ import annotations

import dataclasses
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from core import metrics
from core.locks import AdvisoryLock
from jobs.models import Job
from jobs.progress import Progress
from recommendations import training
from recommendations.config import Algorithm, HybridConfig, SimilarConfig
from recommendations.ease import EaseParams, ease_dumps, ease_fit
from recommendations.evaluation import (
    HOLDOUT_FRACTION,
    Relevance,
    Split,
    Tuned,
    holdout_split,
    protocol,
    tune_on_validation,
)
from recommendations.explicit import (
    ExplicitParams,
    explicit_dumps,
    explicit_fit,
    svdpp_iterations,
)
from recommendations.models import RecommenderChoice, TrainingRun
from recommendations.selectors import (
    RatingTriples,
    movie_embedding_matrix,
    rating_triples,
    ratings_watermark,
    training_run_last_params,
    training_runs_orphaned,
)

# The list length the tuning optimises nDCG at: the site's rows.
TUNING_K = 10
# Users whose validation lists score each candidate. Every candidate ranks the whole
# catalogue for each of them, so at 160k users (MovieLens-25M) scoring them all would
# spend the budget on one candidate; 2,000 users measure nDCG to about ±0.005.
TUNING_USERS = 2000
# The first start's quick model (`training_run_train(quick=True)`) trains beside the
# embedding of the catalogue, on the same cores, and is replaced by the next run. Measured
# on ml-latest-small (CPU seconds): EASE over 5,000 films 15, over 2,000 2.4; the rating
# model with 150 SVD++ iterations 25, with 30 8 (validation RMSE 0.843 against 0.836).
QUICK_EASE_MAX_ITEMS = 2000
QUICK_SVDPP_ITERATIONS = 30

# --- Model versions --------------------------------------------------------------------


def training_run_train(
    *,
    progress: Progress,
    tune: bool = True,
    rating_model: bool = True,
    seed: int = 0,
    params: training.AlsParams | None = None,
    ease_params: EaseParams | None = None,
    config: HybridConfig | None = None,
    explicit_params: ExplicitParams | None = None,
    job: Job | None = None,
    quick: bool = False,
) -> TrainingRun:
    """Train on all ratings and make the result the serving version: the ALS and EASE
    models that recommend, the blend that combines them, the "more like this" weights,
    then the explicit-stars model that predicts ratings, from one read.

    Hyper-parameters given here are used as they are. Otherwise, with `tune` and a
    RECOMMENDER_TUNING_SECONDS budget, they are searched on a validation split of these
    very ratings (`seed` draws it), then everything is refitted on all of them; without,
    the last run's choice is reused (the defaults before any run). The choice is stored
    on the run with its validation metrics. Without `rating_model` the run predicts no
    stars. `quick` is the first start's model, which leaves most of the CPU to the
    embedding yet predicts stars at once: no search, EASE over QUICK_EASE_MAX_ITEMS films
    and QUICK_SVDPP_ITERATIONS of SVD++; the next run completes it
    (`selectors.training_is_provisional`).

    The run row is committed first, so a failure is recorded (status, error) while
    the previous version keeps serving; the exception is re-raised for the caller.
    """
    given = any(p is not None for p in (params, ease_params, config))
    chosen = _last_choice()
    chosen = dataclasses.replace(
        chosen,
        params=params or chosen.params,
        ease_params=ease_params or chosen.ease_params,
        config=config or chosen.config,
    )
    explicit_params = explicit_params or ExplicitParams()
    if quick:
        tune = False
        ease_size = min(chosen.ease_params.max_items, QUICK_EASE_MAX_ITEMS)
        chosen = dataclasses.replace(
            chosen, ease_params=dataclasses.replace(chosen.ease_params, max_items=ease_size)
        )
        explicit_params = dataclasses.replace(explicit_params, iterations=QUICK_SVDPP_ITERATIONS)
    # A run whose process died stays "running"; close it as failed, e.g. the first
    # delivery of this very task when its worker was killed (late acks redeliver it).
    training_runs_orphaned().update(
        status=TrainingRun.Status.FAILED,
        error="Worker lost: the process training this run died before it finished.",
        finished_at=timezone.now(),
    )
    with transaction.atomic():
        params_json = _params_json(chosen, explicit_params) | ({"quick": True} if quick else {})
        run = TrainingRun.objects.create(params=params_json, job=job)
        # Locked before the row is committed, so no one ever sees it running without the lock.
        _training_run_lock("pg_advisory_lock", run_id=run.pk)
    started = time.monotonic()
    try:
        progress.stage("Reading ratings")
        # Watermark first: a rating landing during the read makes the next check retrain.
        run.ratings_seen, run.ratings_updated_at = ratings_watermark()
        triples = rating_triples()
        if tune and not given and settings.RECOMMENDER_TUNING_SECONDS > 0:
            chosen, run.metrics = _tuned(
                triples,
                start=chosen,
                explicit_params=explicit_params if rating_model else None,
                seed=seed,
                progress=progress,
            )
            run.params = _params_json(chosen, explicit_params)
        params, ease_params = chosen.params, chosen.ease_params
        item_factors = training.als_fit(
            training.confidence_matrix(triples, params), params, progress
        )
        run.user_count, run.item_count = len(triples.user_ids), len(triples.movie_ids)
        run.rating_count = len(triples.scores)
        run.artifact = training.artifact_dumps(triples.movie_ids, item_factors)
        progress.stage(f"Fitting EASE on the {ease_params.max_items:,} most-rated films")
        run.ease_model = ease_dumps(ease_fit(ratings=triples, params=ease_params))
        if rating_model:
            progress.stage(
                "Fitting the rating model",
                total=svdpp_iterations(explicit_params, ratings=len(triples.scores)),
            )
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


def _last_choice() -> Tuned:
    """The hyper-parameters of the newest succeeded run (the defaults before any), with
    EASE's size from the settings: a memory bound is the operator's, not the search's."""
    stored = training_run_last_params()
    ease_size = {"max_items": settings.RECOMMENDER_EASE_MAX_ITEMS}
    return Tuned(
        params=training.AlsParams.from_json(stored),
        ease_params=EaseParams.from_json({**stored.get("ease", {}), **ease_size}),
        config=HybridConfig.from_json(stored.get("hybrid", {})),
        similar_config=SimilarConfig.from_json(stored.get("similar", {})),
    )


def _params_json(chosen: Tuned, explicit_params: ExplicitParams) -> dict:
    return {
        **chosen.params.as_json(),
        "ease": chosen.ease_params.as_json(),
        "hybrid": chosen.config.as_json(),
        "similar": chosen.similar_config.as_json(),
        "explicit": explicit_params.as_json(),
    }


def _tuned(
    triples: RatingTriples,
    *,
    start: Tuned,
    explicit_params: ExplicitParams | None,
    seed: int,
    progress: Progress,
) -> tuple[Tuned, dict]:
    """The search of `evaluation.tune_on_validation` on a validation split of `triples`
    (the evaluation's per-user holdout, from at most TUNING_USERS users), within
    RECOMMENDER_TUNING_SECONDS; the choice, and the metrics to store on the run."""
    budget = settings.RECOMMENDER_TUNING_SECONDS
    progress.stage(f"Tuning on a validation split (at most {budget} s)")
    started = time.monotonic()
    fit_mask, validation_mask = holdout_split(
        triples, fraction=HOLDOUT_FRACTION, seed=seed, max_users=TUNING_USERS
    )
    tuned = tune_on_validation(
        triples.subset(fit_mask),
        triples.subset(validation_mask),
        movie_embedding_matrix(movie_ids=triples.movie_ids),
        TUNING_K,
        progress,
        relevance=Relevance.LIKED,
        ease_params=start.ease_params,
        explicit_params=explicit_params,
        seconds=budget,
    )
    best_by_algorithm: dict[str, float] = {}
    # The log also holds the "more like this" search, scored by hits, not nDCG.
    ranked = [entry for entry in tuned.log if "ndcg" in entry]
    for entry in ranked:
        name = entry["algorithm"]
        best_by_algorithm[name] = max(best_by_algorithm.get(name, 0.0), entry["ndcg"])
    metrics = {
        "validation": {
            "protocol": protocol(split=Split.USER, relevance=Relevance.LIKED, k=TUNING_K)
            + f"; validation ratings from at most {TUNING_USERS:,} users",
            "seed": seed,
            "ndcg": {**best_by_algorithm, "hybrid": tuned.validation_ndcg},
            "candidates": len(ranked),
            "out_of_time": tuned.out_of_time,
            "seconds": round(time.monotonic() - started, 1),
        }
    }
    return tuned, metrics


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


# --- The recommender a user chose -----------------------------------------------------


def recommender_algorithm_set(*, user: User, algorithm: Algorithm) -> RecommenderChoice:
    choice, _ = RecommenderChoice.objects.update_or_create(
        user=user, defaults={"algorithm": algorithm}
    )
    return choice
