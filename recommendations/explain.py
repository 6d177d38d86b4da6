"""Explaining: the line shown with each pick, saying why it was picked.

A personal pick's reason names what the source that put it there did: content names
the liked film whose story is nearest, EASE the liked film it is most often liked
together with, ALS the people who rate like the user, the rating model its predicted
stars, popularity that it is popular. A group pick names whose taste it serves, an
"also liked" pick the film it was found from.
"""

from __future__ import annotations

import numpy as np

from recommendations.algorithms.ease import EaseModel
from recommendations.config import HybridParams, Source
from recommendations.profile import TasteProfile
from recommendations.ranking import Ranked


def explain(
    ranked: Ranked,
    *,
    movie_id: int,
    vector: np.ndarray,
    profile: TasteProfile,
    ease: EaseModel | None = None,
) -> str:
    """Why `movie_id` (with embedding `vector`, zeros without) was picked for `profile`;
    `ease` is the model EASE's picks were scored by."""
    if ranked.source is Source.CONTENT:
        if len(profile.liked_titles) and vector.any():
            nearest = int((profile.liked_vectors @ vector).argmax())
            return f"Because you liked {profile.liked_titles[nearest]}"
        return "Its story resembles films you liked"
    if ranked.source is Source.EASE:
        link = (
            None
            if ease is None
            else ease.strongest_link(liked_ids=profile.liked_ids, movie_id=movie_id)
        )
        if link is not None:
            title = profile.liked_titles[int(np.flatnonzero(profile.liked_ids == link)[0])]
            return f"Often liked together with {title}"
        return "Often liked together with films you liked"
    if ranked.source is Source.STARS:
        return "We think you'll rate it highly"
    if ranked.source is Source.ALS:
        return "Popular with people who share your taste"
    return "Popular now"


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
