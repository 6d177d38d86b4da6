"""What a recommendation can be asked for: the algorithm, and the blend's weights and sizes.

Every step of the pipeline takes its knobs from one `HybridParams`; the sources it
blends are `Source`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.params import JsonParams
from ratings.stars import LIKED_STARS


class Source(StrEnum):
    ALS = "als"
    EASE = "ease"
    CONTENT = "content"
    POPULARITY = "popularity"
    # The rating model's predicted stars: it re-weighs the other sources' candidates and
    # draws none of its own.
    STARS = "stars"


class Algorithm(StrEnum):
    POPULARITY = "popularity"
    CONTENT = "content"
    ALS = "als"
    EASE = "ease"
    HYBRID = "hybrid"

    @property
    def label(self) -> str:
        return _ALGORITHM_TEXT[self][0]

    @property
    def description(self) -> str:
        return _ALGORITHM_TEXT[self][1]


# What people choose between (the settings page, the API's `algorithm`), in that order.
_ALGORITHM_TEXT: dict[Algorithm, tuple[str, str]] = {
    Algorithm.HYBRID: (
        "Hybrid (recommended)",
        "Blends all of the below, leaning on your ratings more as you add them.",
    ),
    Algorithm.ALS: (
        "People like you",
        "Films loved by people whose ratings resemble yours (ALS matrix factorisation).",
    ),
    Algorithm.EASE: (
        "Liked together",
        "Films that are often liked together with the films you liked (EASE).",
    ),
    Algorithm.CONTENT: (
        "Similar stories",
        "Films whose story, genres and keywords resemble the films you liked.",
    ),
    Algorithm.POPULARITY: (
        "Popular",
        "The most-rated films you have not seen yet: the same list for everyone.",
    ),
}
ALGORITHM_CHOICES: list[tuple[str, str]] = [(a.value, a.label) for a in _ALGORITHM_TEXT]


@dataclass(frozen=True, kw_only=True)
class HybridParams(JsonParams):
    """Blend weights and sizes. Every training run chooses the weights, the trust ramp and
    the MMR λ on a validation split (`tuning.search`) and serves them with its models;
    these defaults serve before the first tuned run.

    With n ratings, trust = min(1, n / full_trust_ratings) and
      ALS        = trust * als_weight
      EASE       = trust * ease_weight
      content    = (1 - trust) * cold_content_weight + trust * content_weight
      popularity = the rest,
      stars      = trust * stars_weight (on top: it takes nothing from popularity),
    renormalised over the sources the user has (no likes: no content; no model or no
    likes among its items: no ALS, no EASE; no rating model: no stars). So a new user
    gets popularity, a user with 1-4 ratings leans on content, and a user with 20+ leans
    on ALS and EASE.

    Why the predicted stars count: the lists are judged by the films a user will rate 4+
    stars, which takes both watching a film (what ALS and EASE model) and liking it once
    watched (what the rating model predicts). On validation splits of ml-latest-small,
    adding the stars at 0.2 raised the hybrid's nDCG@10 on seeds 0 and 1 by 0.0053 and
    0.0033 (docs/evaluation.md); every tuned run chooses the weight again.
    """

    # What the search chose most often over 5 seeds of ml-latest-small (docs/evaluation.md).
    als_weight: float = 0.4
    ease_weight: float = 0.4
    content_weight: float = 0.1
    cold_content_weight: float = 0.7
    full_trust_ratings: int = 20
    like_threshold: float = float(LIKED_STARS)
    liked_cap: int = 200
    pool_size: int = 100
    # ALS's and EASE's pools are drawn before the filters; with filters, most of an
    # unfiltered top-100 may not match them.
    filtered_pool_size: int = 1000
    mmr_lambda: float = 0.9
    # 0 until a tuned run chooses it (the search starts at 0.2): a run whose blend was
    # tuned before the stars existed keeps serving the blend it was tuned with.
    stars_weight: float = 0.0
    # Steck's λ: how much the hybrid trades its score for holding each genre of the user's
    # likes in proportion (`algorithms.calibration`). Chosen per run on validation
    # (`tuning.CALIBRATION_GRID`).
    calibration_weight: float = 0.0
    # A calibrated list's extra candidates: ALS's and EASE's best films of each genre of
    # the user's likes, this many spread over the genres by their share
    # (`candidates.side_pools`).
    side_pool_size: int = 100
    group_misery: float = 0.2
    group_fan: float = 0.6


DEFAULT_HYBRID = HybridParams()

# Watch together: the people besides the one asking (the web page and the API).
MAX_GROUP_MEMBERS = 7


@dataclass(frozen=True, kw_only=True)
class SimilarParams(JsonParams):
    """ "More like this" weights. Every training run chooses them on its validation split
    (`tuning.tune_similar`, by `tuning.similar_objective`: similarity evidence and the
    user's held-out liked films among the neighbours of a film they liked) and serves
    them with its models; these defaults serve before the first tuned run.

    For query film q and candidate i (`scoring.similarity_scores`):
      content_weight * cos(embedding q, embedding i)
      + collaborative_weight * cos(ALS factors q, ALS factors i)
      + evidence_weight * (rarity-weighted share of q's genres that i has
                           + cosine of their keywords, tags and people) / 2
      + franchise_weight * (1 if i is of q's franchise)
      + quality_weight * (Bayesian mean of i - catalogue mean, in stars)
      + familiarity_weight * (how well known i is: 0 unrated, 1 from FAMILIAR_RATINGS up).
    A query film without an embedding or without ALS factors gives that term's weight
    to the other similarity, so the quality prior keeps its strength.
    """

    # What the served lists of ml-latest-small met the targets with (docs/evaluation.md).
    content_weight: float = 0.5
    collaborative_weight: float = 0.5
    evidence_weight: float = 1.0
    franchise_weight: float = 0.5
    quality_weight: float = 0.1
    familiarity_weight: float = 0.3


DEFAULT_SIMILAR = SimilarParams()
