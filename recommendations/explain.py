"""Explaining: the line shown with each pick, saying why it was picked.

A personal pick names the liked film nearest to it (or says it is popular, or that
the rating model expects the user to rate it highly), a
group pick names whose taste it serves, an "also liked" pick the film it was found
from.
"""

from __future__ import annotations

import numpy as np

from recommendations.config import DEFAULT_HYBRID, HybridParams, Source
from recommendations.profile import TasteProfile
from recommendations.ranking import Ranked


def explain(
    ranked: Ranked, vector: np.ndarray, profile: TasteProfile, config: HybridParams = DEFAULT_HYBRID
) -> str:
    if ranked.source is not Source.POPULARITY and len(profile.liked_titles) and vector.any():
        similarity = profile.liked_vectors @ vector
        nearest = int(similarity.argmax())
        if ranked.source is Source.CONTENT or similarity[nearest] >= config.explain_min_similarity:
            return f"Because you liked {profile.liked_titles[nearest]}"
    if ranked.source is Source.POPULARITY:
        return "Popular now"
    if ranked.source is Source.STARS:
        return "We think you'll rate it highly"
    return "Popular with people who share your taste"


def explain_group(utility: np.ndarray, names: list[str], config: HybridParams) -> str:
    """Whose taste a group pick serves; `utility` holds each member's rescaled score for it."""
    fans = [names[i] for i in np.argsort(-utility) if utility[i] >= config.group_fan]
    fans = fans or [names[int(utility.argmax())]]
    others = [name for name in names if name not in fans]
    text = f"Picked for {_join(fans)}'s taste"
    return text + (f"; fine for {_join(others)}" if others else "")


def explain_followed_love(count: int) -> str:
    """`count` people the user follows love the pick (recommendations.followed)."""
    return f"Loved by {count} {'person' if count == 1 else 'people'} you follow"


def explain_also_liked(title: str) -> str:
    return f"People who liked {title} also liked this"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
