"""The serving models: each run's models loaded once per process, with the choice it made."""

import numpy as np
import pytest
from django.utils import timezone

from recommendations import serving
from recommendations.algorithms.als import AlsParams
from recommendations.choice import Choice
from recommendations.config import HybridParams, SimilarParams
from recommendations.models import TrainingRun
from recommendations.services import training_run_activate

pytestmark = pytest.mark.django_db


def _run_like(run: TrainingRun, choice: Choice) -> TrainingRun:
    """A succeeded run with `run`'s factors and `choice`, serving."""
    copy = TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED,
        als_model=run.als_model,
        params=choice.as_json(),
        finished_at=timezone.now(),
    )
    return training_run_activate(run=copy)


def test_nothing_serves_before_the_first_run():
    assert serving.serving_model() is None
    assert serving.ease_model_for(None) is None and serving.rating_model_for(None) is None


def test_a_run_serves_its_factors_with_the_parameters_it_chose(trained):
    chosen = Choice(
        als=AlsParams.from_json(trained.params),
        hybrid=HybridParams(als_weight=0.7, mmr_lambda=0.85),
        similar=SimilarParams(content_weight=0.25, collaborative_weight=0.75),
    )
    run = _run_like(trained, chosen)

    model = serving.serving_model()

    assert model.run_id == run.pk and model.params == chosen.als
    assert model.config == chosen.hybrid and model.similar_config == chosen.similar
    rated = model.unit_factors.any(axis=1)
    np.testing.assert_allclose(np.linalg.norm(model.unit_factors[rated], axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(model.gram, model.item_factors.T @ model.item_factors, rtol=1e-4)


def test_each_version_is_loaded_once_per_process_and_a_new_one_replaces_it(trained):
    first = serving.model_for(trained.pk)
    assert serving.model_for(trained.pk) is first

    newer = _run_like(trained, Choice.from_json(trained.params))

    assert serving.serving_model() is not first
    assert serving.serving_model().run_id == newer.pk
    assert serving.serving_model() is serving.model_for(newer.pk)
