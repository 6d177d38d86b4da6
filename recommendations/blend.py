"""Blending: how much each source counts for this user, and the weighted sum of their scores.

`source_weights` picks the sources (before the candidates are drawn: a source
with no weight adds no candidates) and weighs them by how much the user has rated;
`blend` adds the normalised scores with those weights.
"""

from __future__ import annotations

import numpy as np

from recommendations.config import DEFAULT_HYBRID, Algorithm, HybridParams, Source
from recommendations.profile import TasteProfile
from recommendations.scoring import normalise


def source_weights(
    algorithm: Algorithm, profile: TasteProfile, config: HybridParams = DEFAULT_HYBRID
) -> dict[Source, float]:
    available = {Source.POPULARITY}
    if profile.taste is not None:
        available.add(Source.CONTENT)
    if profile.als_vector is not None:
        available.add(Source.ALS)
    if profile.ease is not None:
        available.add(Source.EASE)
    if profile.stars is not None:
        available.add(Source.STARS)
    if algorithm is not Algorithm.HYBRID:
        # A single-source baseline falls back to popularity when its source has nothing.
        source = Source(algorithm.value)
        return {source if source in available else Source.POPULARITY: 1.0}
    trust = min(1.0, profile.n_ratings / config.full_trust_ratings)
    weights = {
        Source.ALS: trust * config.als_weight,
        Source.EASE: trust * config.ease_weight,
        Source.CONTENT: (1 - trust) * config.cold_content_weight + trust * config.content_weight,
    }
    weights[Source.POPULARITY] = max(0.0, 1.0 - sum(weights.values()))
    # On top of the rest: the stars re-weigh what the others found, so they take nothing
    # from popularity's share.
    weights[Source.STARS] = trust * config.stars_weight
    weights = {source: w for source, w in weights.items() if source in available and w > 0}
    if not weights.keys() - {Source.STARS}:
        # Warm weights summing to 1 leave popularity nothing, and a user with many ratings
        # but no likes has neither ALS nor content: popularity is all there is.
        return {Source.POPULARITY: 1.0}
    total = sum(weights.values())
    return {source: w / total for source, w in weights.items()}


def blend(
    raw: dict[Source, np.ndarray], weights: dict[Source, float]
) -> tuple[np.ndarray, list[Source]]:
    """Weighted sum of normalised source scores, and each candidate's dominant source."""
    sources = list(weights)
    contributions = np.stack([weights[s] * normalise(raw[s]) for s in sources])
    dominant = [sources[i] for i in contributions.argmax(axis=0)]
    return contributions.sum(axis=0), dominant
