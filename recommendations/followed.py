"""What the people you follow think, added to picks after the pipeline (social's follows).

Applied where picks are shown, not inside the cached pipeline: follows change without
moving any version the cache is keyed on, so the reason is read fresh on each request.
"""

from __future__ import annotations

from dataclasses import replace

from recommendations.explain import explain_followed_love
from recommendations.hybrid import Recommendation
from social.selectors import followed_lovers


def with_followed_love(user, recommendations: list[Recommendation]) -> list[Recommendation]:
    """Each pick that people the user follows love says so ("Loved by 2 people you
    follow") instead of its own reason; one query, none for a visitor."""
    loved = followed_lovers(viewer=user, movie_ids=[rec.movie.pk for rec in recommendations])
    return [
        replace(rec, explanation=explain_followed_love(loved[rec.movie.pk]))
        if rec.movie.pk in loved
        else rec
        for rec in recommendations
    ]
