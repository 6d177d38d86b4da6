"""Ranking: scoring, blending and diversifying composed, for one user over given candidates.

`rank` is what the site serves (recommendations.hybrid) and what the offline
evaluation measures (recommendations.evaluation), so what is measured is what is
served; only candidate retrieval differs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ratings.stars import PICK_FLOOR_STARS
from recommendations.algorithms.als import AlsModel
from recommendations.algorithms.calibration import Calibration, GenreShares
from recommendations.blend import blend, source_weights
from recommendations.config import DEFAULT_HYBRID, Algorithm, HybridParams, Source
from recommendations.diversify import mmr
from recommendations.profile import TasteProfile
from recommendations.scoring import source_scores
from recommendations.types import Candidates

# Lowers the order of a film the rating model predicts below PICK_FLOOR_STARS: far more
# than any blend, diversity or calibration term can make up, so such films only fill a
# list once every other candidate is in it.
BELOW_FLOOR_SINK = 1000.0


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
    genres: GenreShares | None = None,
    shown: int | None = None,
) -> list[Ranked]:
    """The top k of `candidates`. Whatever the algorithm, a film the rating model predicts
    below PICK_FLOOR_STARS comes after the rest. The hybrid is diversified (MMR) and, with
    `genres`, calibrated to the genres of the user's likes (`config.calibration_weight`):
    its first `shown` films (all k by default; the site ranks a few spare ones past what
    it shows) are the list calibration holds in proportion."""
    weights = source_weights(algorithm, profile, config)
    raw = source_scores(weights, profile, model, candidates)
    total, dominant = blend(raw, weights)
    order_by = total - BELOW_FLOOR_SINK * _below_floor(raw.get(Source.STARS), profile, candidates)
    if algorithm is Algorithm.HYBRID:
        calibration = _calibration(profile, candidates, genres, config, shown or k)
        order = mmr(order_by, candidates.vectors, k, config.mmr_lambda, calibration)
    else:
        order = np.argsort(-order_by, kind="stable")[:k].tolist()
    return [Ranked(i, float(total[i]), dominant[i]) for i in order]


def _below_floor(
    stars: np.ndarray | None, profile: TasteProfile, candidates: Candidates
) -> np.ndarray:
    """1 for each candidate predicted below PICK_FLOOR_STARS, else 0 (and 0 for all
    without a rating model); the blend's stars are reused when it has them."""
    if profile.stars is None:
        return np.zeros(len(candidates.movie_ids), dtype=np.float32)
    if stars is None:
        stars = profile.stars.at(candidates.movie_ids)
    with np.errstate(invalid="ignore"):  # NaN: a film the model cannot predict
        return (stars < float(PICK_FLOOR_STARS)).astype(np.float32)


def _calibration(
    profile: TasteProfile,
    candidates: Candidates,
    genres: GenreShares | None,
    config: HybridParams,
    length: int,
) -> Calibration | None:
    """What the hybrid's list of `length` calibrates to: the genres of the films the user
    liked; None without genres, a weight or a liked film with a genre."""
    if genres is None or config.calibration_weight <= 0:
        return None
    taste = profile.genre_taste(genres, config.like_threshold)
    if taste is None:
        return None
    return Calibration(
        rows=genres.of(candidates.movie_ids),
        taste=taste,
        weight=config.calibration_weight,
        length=length,
    )
