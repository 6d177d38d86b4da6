"""Scoring: each source's raw score for every candidate, and the scale they are added on.

ALS scores a candidate by its item factor against the user's folded-in factor,
EASE by the weights the user's likes give it, content by its embedding against the
user's taste, popularity by its log rating count, stars by the rating model's
prediction for the user. Pure numpy, shared with the offline evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from recommendations.algorithms.als import AlsModel
from recommendations.algorithms.content import content_scores
from recommendations.config import SimilarParams, Source
from recommendations.profile import TasteProfile
from recommendations.types import Candidates


def source_scores(
    sources: Iterable[Source],
    profile: TasteProfile,
    model: AlsModel | None,
    candidates: Candidates,
) -> dict[Source, np.ndarray]:
    """Raw score of every candidate under each source; NaN where the source can't say."""
    scores = {}
    for source in sources:
        if source is Source.ALS:
            raw = model.scores(profile.als_vector, candidates.movie_ids)
        elif source is Source.EASE:
            raw = profile.ease.at(candidates.movie_ids)
        elif source is Source.STARS:
            raw = profile.stars.at(candidates.movie_ids)
        elif source is Source.CONTENT:
            raw = content_scores(candidates.vectors, profile.taste)
        else:
            raw = np.log1p(candidates.rating_counts)
        scores[source] = raw
    return scores


def normalise(raw: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] over the candidates so sources on different scales can be added."""
    finite = np.isfinite(raw)
    if not finite.any():
        return np.zeros_like(raw, dtype=np.float32)
    low, high = raw[finite].min(), raw[finite].max()
    scaled = (raw - low) / (high - low) if high > low else np.ones_like(raw)
    return np.where(finite, scaled, 0.0).astype(np.float32)


@dataclass(frozen=True)
class Likeness:
    """One query film against every candidate: what "more like this" weighs.

    `content` and `collaborative` are the candidates' cosines to the query film (0 for a
    candidate without that vector), or None when the query film itself has none;
    `evidence` and `franchise` are `evidence.Evidence.against`'s."""

    content: np.ndarray | None
    collaborative: np.ndarray | None
    evidence: np.ndarray
    franchise: np.ndarray


def similarity_scores(
    likeness: Likeness,
    *,
    quality: np.ndarray,
    familiarity: np.ndarray,
    config: SimilarParams,
) -> np.ndarray:
    """The hybrid score of each candidate for one query film (`SimilarParams` spells it
    out). When the query film has one of the two vectors only, it gets both weights.

    `quality` is `algorithms.popularity.quality_prior`, `familiarity` is
    `algorithms.popularity.familiarity`: the priors that keep obscure look-alikes out.
    """
    content, collaborative = likeness.content, likeness.collaborative
    if content is None and collaborative is None:
        raise ValueError("A film without an embedding or ALS factors has no neighbours.")
    total = (
        config.quality_weight * quality.astype(np.float64)
        + config.familiarity_weight * familiarity
        + config.evidence_weight * likeness.evidence
        + config.franchise_weight * likeness.franchise
    )
    similarity_weight = config.content_weight + config.collaborative_weight
    if content is None:
        return total + similarity_weight * collaborative
    if collaborative is None:
        return total + similarity_weight * content
    return total + config.content_weight * content + config.collaborative_weight * collaborative
