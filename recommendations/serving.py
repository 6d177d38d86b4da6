"""The serving models: ALS item factors, EASE's item-item weights and the rating model
that predicts stars, each loaded once per process per version (and only by the
requests that need it).

Every call checks the serving version with one cheap query and reloads only when
it changed, so a newly activated (or rolled back) model is picked up by every web
and worker process on its next request without a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from core.process_copy import ProcessCopy
from core.vectors import sorted_positions, unit_rows
from recommendations.algorithms.als import AlsParams, als_loads
from recommendations.algorithms.ease import EaseModel, ease_loads
from recommendations.algorithms.rating import RatingModel, rating_loads
from recommendations.choice import Choice
from recommendations.config import DEFAULT_HYBRID, DEFAULT_SIMILAR, HybridParams, SimilarParams
from recommendations.models import TrainingRun
from recommendations.profile import confidence, fold_in
from recommendations.selectors import training_run_serving_id


@dataclass(frozen=True)
class ServingModel:
    run_id: int
    params: AlsParams
    movie_ids: np.ndarray  # sorted
    item_factors: np.ndarray
    unit_factors: np.ndarray  # for item-to-item cosine
    gram: np.ndarray  # YᵀY, shared by every fold-in
    config: HybridParams = DEFAULT_HYBRID  # the blend chosen with these factors
    similar_config: SimilarParams = DEFAULT_SIMILAR  # "more like this", chosen with them

    @classmethod
    def build(
        cls,
        *,
        run_id: int,
        params: AlsParams,
        movie_ids: np.ndarray,
        item_factors: np.ndarray,
        config: HybridParams = DEFAULT_HYBRID,
        similar_config: SimilarParams = DEFAULT_SIMILAR,
    ) -> ServingModel:
        return cls(
            run_id=run_id,
            params=params,
            movie_ids=movie_ids,
            item_factors=item_factors,
            unit_factors=unit_rows(item_factors),
            gram=item_factors.T.astype(np.float64) @ item_factors.astype(np.float64),
            config=config,
            similar_config=similar_config,
        )

    @classmethod
    def from_artifact(cls, run_id: int, artifact: bytes, choice: Choice) -> ServingModel:
        """Runs from before the blend (or "more like this") was tuned per run serve the
        defaults (`Choice.from_json`)."""
        movie_ids, item_factors = als_loads(artifact)
        return cls.build(
            run_id=run_id,
            params=choice.als,
            movie_ids=movie_ids,
            item_factors=item_factors,
            config=choice.hybrid,
            similar_config=choice.similar,
        )

    def positions(self, movie_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Matrix columns of `movie_ids`, and the mask of those the model knows."""
        return sorted_positions(self.movie_ids, movie_ids)

    def user_vector(self, movie_ids: np.ndarray, scores: np.ndarray) -> np.ndarray | None:
        """Fold a user's current ratings into a factor (no retrain needed)."""
        found, known = self.positions(movie_ids)
        conf = confidence(scores[known], alpha=self.params.alpha, neutral=self.params.neutral)
        return fold_in(self.item_factors, self.gram, found[known], conf, self.params.regularization)


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
    artifact, params = TrainingRun.objects.filter(pk=run_id).values_list("artifact", "params").get()
    return ServingModel.from_artifact(run_id, bytes(artifact), Choice.from_json(params))


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
