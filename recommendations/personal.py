"""Reads that start a user's recommendations: onboarding, the films behind "Because you
liked X", and who may be picked for together. (Their ratings and lists are ratings.selectors'.)

Every function takes the user explicitly: pages have no way to name another user's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

import numpy as np
from django.db.models import QuerySet

from accounts.models import User
from catalog.browse import BAYESIAN_RATING
from catalog.models import Movie
from catalog.selectors import movie_visible_list
from ratings.models import NotInterested, Rating
from ratings.stars import RELEVANT_STARS

# How many ratings onboarding asks for before the recommendations have something to go on.
ONBOARDING_TARGET = 10
# Onboarding draws from the most-rated films: ones people are likely to have seen.
ONBOARDING_POOL = 400
# and, for each genre the user chose, from that genre's most-rated films, those with at
# least this share of the genre's most-rated film's ratings (the well known in it, on
# any size of catalogue), well rated first.
ONBOARDING_GENRE_POOL = 40
ONBOARDING_KNOWN_SHARE = 0.1
# "Because you liked X" starts from a relevant rating (`RELEVANT_STARS` or more),
# among this many of the user's latest ratings,
ANCHOR_WINDOW = 50
# and has a row for each of at most this many films.
ANCHORS = 3


def liked_anchors(*, user, n: int = ANCHORS) -> list[Movie]:
    """The films behind "Because you liked X": among the user's ANCHOR_WINDOW latest
    ratings of visible films, the `n` best of RELEVANT_STARS or more; the more recent first
    among equal scores. So a 5-star film comes before a more recent 4-star one."""
    recent = (
        Rating.objects.filter(user=user, movie__in=Movie.objects.visible())
        .select_related("movie")
        .defer("movie__embedding")
        .order_by("-updated_at", "-pk")[:ANCHOR_WINDOW]
    )
    liked = [rating for rating in recent if rating.score >= RELEVANT_STARS]
    liked.sort(key=lambda rating: rating.score, reverse=True)  # stable: recency kept
    return [rating.movie for rating in liked[:n]]


def seen_movie_ids(*, user) -> np.ndarray:
    """Ids of the films the user rated or dismissed ("not interested"), in one query."""
    rated = Rating.objects.filter(user=user).values_list("movie_id", flat=True)
    dismissed = NotInterested.objects.filter(user=user).values_list("movie_id", flat=True)
    return np.array(list(rated.union(dismissed)), dtype=np.int64)


def onboarding_candidates(
    *, user, genres: Collection[str], skipped: Collection[int], n: int
) -> list[Movie]:
    """`n` films for the user to rate: none they rated, dismissed or skipped.

    With chosen genres, each genre's well-known films (`_well_known_well_rated_first`
    of its ONBOARDING_GENRE_POOL most rated), well rated first (by Bayesian average),
    dealt in turn across the genres: each
    genre gets its share however popular the others are. Should they run out, and without
    a choice, popular films dealt round-robin over (genre, decade) buckets, so that a page
    is not ten 1990s dramas.
    """
    pool = (
        movie_visible_list()
        .exclude(pk__in=list(skipped))
        .exclude(pk__in=seen_movie_ids(user=user).tolist())
        .defer("embedding")
    )
    by_genre = [
        _well_known_well_rated_first(
            list(
                pool.filter(genres__name=genre).annotate(bayesian_rating=BAYESIAN_RATING)[
                    :ONBOARDING_GENRE_POOL
                ]
            )
        )
        for genre in genres
    ]
    picked = _deal(by_genre, n)
    if len(picked) < n:  # a narrow choice must not end onboarding early
        buckets: dict[tuple[str, int | None], list[Movie]] = defaultdict(list)
        for movie in pool[:ONBOARDING_POOL]:  # most popular first, so each bucket is too
            names = [g.name for g in movie.genres.all()]
            decade = movie.year // 10 if movie.year else None
            buckets[(names[0] if names else "", decade)].append(movie)
        picked += _deal(list(buckets.values()), n - len(picked), taken=picked)
    return picked


def _well_known_well_rated_first(movies: list[Movie]) -> list[Movie]:
    """`movies` (a genre's most rated first) rated by at least ONBOARDING_KNOWN_SHARE of
    the most rated one's ratings, best Bayesian average first."""
    if not movies:
        return []
    floor = movies[0].rating_count * ONBOARDING_KNOWN_SHARE
    known = [movie for movie in movies if movie.rating_count >= floor]
    return sorted(known, key=lambda movie: -movie.bayesian_rating)


def _deal(lists: list[list[Movie]], n: int, *, taken: Collection[Movie] = ()) -> list[Movie]:
    """Up to `n` films, one from each list in turn, each film once and none of `taken`."""
    seen = {movie.pk for movie in taken}
    dealt: list[Movie] = []
    queues = [list(reversed(movies)) for movies in lists]
    while len(dealt) < n and any(queues):
        for queue in queues:
            while queue and queue[-1].pk in seen:
                queue.pop()
            if queue and len(dealt) < n:
                movie = queue.pop()
                seen.add(movie.pk)
                dealt.append(movie)
    return dealt


def group_partners(*, viewer) -> QuerySet[User]:
    """Everyone the viewer may watch with: active people who allow it, but themselves."""
    return User.objects.filter(
        is_active=True, is_imported=False, allow_group_recommendations=True
    ).exclude(pk=viewer.pk)


def group_newcomers(*, users: Sequence[User]) -> set[int]:
    """Ids of the `users` who have rated nothing yet: group picks come from the others'
    tastes (`hybrid.recommend_for_group`). One query."""
    rated = set(Rating.objects.filter(user__in=users).values_list("user_id", flat=True).distinct())
    return {user.pk for user in users} - rated


def group_partner_get(*, viewer, username: str) -> User | None:
    """The user to watch with, or None: missing, inactive, yourself, or not allowing it
    all look the same, so the page cannot be used to find out who has an account."""
    return group_partners(viewer=viewer).filter(username__iexact=username.strip()).first()
