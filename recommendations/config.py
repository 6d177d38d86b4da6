"""What a recommendation can be asked for: the algorithm, and the blend's weights and sizes.

Every step of the pipeline takes its knobs from one `HybridConfig`; the sources it
blends are `Source`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Source(StrEnum):
    ALS = "als"
    CONTENT = "content"
    POPULARITY = "popularity"


class Algorithm(StrEnum):
    POPULARITY = "popularity"
    CONTENT = "content"
    ALS = "als"
    HYBRID = "hybrid"


@dataclass(frozen=True, kw_only=True)
class HybridConfig:
    """Blend weights and sizes; the warm weights were tuned on a validation split.

    With n ratings, trust = min(1, n / full_trust_ratings) and
      ALS        = trust * als_weight
      content    = (1 - trust) * cold_content_weight + trust * content_weight
      popularity = the rest,
    renormalised over the sources the user has (no likes: no content; no ALS model
    or no likes among its items: no ALS). So a new user gets popularity, a user
    with 1-4 ratings leans on content, and a user with 20+ leans on ALS.
    """

    als_weight: float = 0.7
    content_weight: float = 0.2
    cold_content_weight: float = 0.7
    full_trust_ratings: int = 20
    like_threshold: float = 3.5
    liked_cap: int = 200
    pool_size: int = 100
    # With filters, most of the unfiltered ALS top-100 may not match them.
    filtered_als_pool: int = 1000
    mmr_lambda: float = 0.9
    explain_min_similarity: float = 0.5
    group_misery: float = 0.2
    group_fan: float = 0.6


DEFAULT_CONFIG = HybridConfig()


@dataclass(frozen=True, kw_only=True)
class SimilarConfig:
    """ "More like this" weights. `evaluate` chooses them on a validation split per seed
    (`evaluation.tune_similar`); these defaults are not yet the 5-seed choice
    (docs/evaluation.md).

    For query film q and candidate i:
      content_weight * cos(embedding q, embedding i)
      + collaborative_weight * cos(ALS factors q, ALS factors i)
      + quality_weight * (Bayesian mean of i - catalogue mean, in stars).
    A query film without an embedding or without ALS factors gives that term's weight
    to the other similarity, so the quality prior keeps its strength.
    """

    content_weight: float = 0.5
    collaborative_weight: float = 0.5
    quality_weight: float = 0.1


DEFAULT_SIMILAR = SimilarConfig()
