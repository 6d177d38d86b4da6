"""Writes for the recommender: the serving model version and the recommender a user chose.
A training run itself is `recommendations.training`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from recommendations.config import Algorithm
from recommendations.models import RecommenderChoice, TrainingRun

# --- Model versions --------------------------------------------------------------------


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
