"""Ranking: scoring, blending and diversifying composed, for one user over given candidates.

`rank` is what the site serves (recommendations.hybrid) and what the offline
evaluation measures (recommendations.evaluation), so what is measured is what is
served; only candidate retrieval differs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recommendations.algorithms.als import AlsModel
from recommendations.blend import blend, source_weights
from recommendations.config import DEFAULT_HYBRID, Algorithm, HybridParams, Source
from recommendations.diversify import mmr
from recommendations.profile import TasteProfile
from recommendations.scoring import source_scores
from recommendations.types import Candidates


@dataclass(frozen=True)
class Ranked:
    index: int  # into the candidates
    score: float
    source: Source


def rank(
    *,
    algorithm: Algorithm,
    profile: TasteProfile,
    model: AlsModel | None,
    candidates: Candidates,
    k: int,
    config: HybridParams = DEFAULT_HYBRID,
) -> list[Ranked]:
    weights = source_weights(algorithm, profile, config)
    total, dominant = blend(source_scores(weights, profile, model, candidates), weights)
    if algorithm is Algorithm.HYBRID:
        order = mmr(total, candidates.vectors, k, config.mmr_lambda)
    else:
        order = np.argsort(-total, kind="stable")[:k].tolist()
    return [Ranked(i, float(total[i]), dominant[i]) for i in order]
