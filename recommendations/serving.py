"""The served models of a training run: ALS (with the blend and "more like this" weights
the run chose), EASE and the rating model that predicts stars, each loaded once per
process per version (and only by the requests that need it). The models themselves are
`recommendations.algorithms`'.

Every call checks the serving version with one cheap query and reloads only when
it changed, so a newly activated (or rolled back) model is picked up by every web
and worker process on its next request without a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TypeVar

from core.process_copy import ProcessCopy
from recommendations.algorithms.als import AlsModel, als_loads
from recommendations.algorithms.ease import EaseModel, ease_loads
from recommendations.algorithms.rating import RatingModel, rating_loads
from recommendations.choice import Choice
from recommendations.config import DEFAULT_HYBRID, DEFAULT_SIMILAR, HybridParams, SimilarParams
from recommendations.models import TrainingRun
from recommendations.selectors import training_run_serving_id


@dataclass(frozen=True, kw_only=True)
class ServingModel(AlsModel):
    """A training run's ALS model as served, with the blend and the "more like this"
    weights the run chose with these factors (`Choice`)."""

    run_id: int
    config: HybridParams = DEFAULT_HYBRID
    similar_config: SimilarParams = DEFAULT_SIMILAR

    @classmethod
    def serve(
        cls,
        als: AlsModel,
        *,
        run_id: int,
        config: HybridParams = DEFAULT_HYBRID,
        similar_config: SimilarParams = DEFAULT_SIMILAR,
    ) -> ServingModel:
        fitted = {field.name: getattr(als, field.name) for field in fields(AlsModel)}
        return cls(**fitted, run_id=run_id, config=config, similar_config=similar_config)

    @classmethod
    def from_stored(cls, run_id: int, als_model: bytes, choice: Choice) -> ServingModel:
        """Runs from before the blend (or "more like this") was tuned per run serve the
        defaults (`Choice.from_json`)."""
        return cls.serve(
            als_loads(als_model, params=choice.als),
            run_id=run_id,
            config=choice.hybrid,
            similar_config=choice.similar,
        )


M = TypeVar("M")

_copy: ProcessCopy[ServingModel] = ProcessCopy()


def serving_model() -> ServingModel | None:
    """The model to serve, or None before the first successful training."""
    return model_for(training_run_serving_id())


def model_for(run_id: int | None) -> ServingModel | None:
    """The model of training run `run_id`, loaded once per process."""
    if run_id is None:
        return None
    return _copy.get(run_id, lambda: _model_load(run_id))


def _model_load(run_id: int) -> ServingModel:
    stored, params = TrainingRun.objects.filter(pk=run_id).values_list("als_model", "params").get()
    return ServingModel.from_stored(run_id, bytes(stored), Choice.from_json(params))


# Each model its own copy: pages that only recommend never load the rating model, and
# predictions never load ALS or EASE. Runs trained before a model existed have none.
_ease_copy: ProcessCopy[EaseModel | None] = ProcessCopy()
_rating_copy: ProcessCopy[RatingModel | None] = ProcessCopy()


def ease_model_for(run_id: int | None) -> EaseModel | None:
    """The EASE model of training run `run_id`, loaded once per process; None before the
    first training and for runs trained before EASE was served."""
    return _optional_model(_ease_copy, run_id, field="ease_model", loads=ease_loads)


def rating_model_for(run_id: int | None) -> RatingModel | None:
    """The rating model of training run `run_id`, loaded once per process; None before the
    first training and for runs trained before rating models existed."""
    return _optional_model(_rating_copy, run_id, field="rating_model", loads=rating_loads)


def _optional_model(
    copy: ProcessCopy[M | None], run_id: int | None, *, field: str, loads: Callable[[bytes], M]
) -> M | None:
    if run_id is None:
        return None

    def load() -> M | None:
        data = TrainingRun.objects.filter(pk=run_id).values_list(field, flat=True).get()
        return None if data is None else loads(bytes(data))

    return copy.get(run_id, load)
