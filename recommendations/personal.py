"""Reads of one user's own ratings and lists for the website's pages.

Every function takes the user explicitly and reads only that user's rows: pages
have no way to name another user's ratings or lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery, prefetch_related_objects

from accounts.models import User
from catalog.models import Movie
from catalog.selectors import movie_visible_list
from ratings.models import NotInterested, Rating, WatchlistItem
from recommendations.selectors import rating_list, watchlist_list

# How many ratings onboarding asks for before the recommendations have something to go on.
ONBOARDING_TARGET = 10
# Onboarding draws from the most-rated films: ones people are likely to have seen.
ONBOARDING_POOL = 400
# "Because you liked X" starts from a rating at least this good.
LIKED_SCORE = Decimal("4.0")

# List sorts: key -> (label, ordering); "date" is when it was rated or added.
RATING_SORTS = {
    "date": ("Recently rated", ("-updated_at", "-pk")),
    "score": ("Highest score", ("-score", "-updated_at", "-pk")),
    "title": ("Title A–Z", ("movie__title", "movie__year", "pk")),
    "year": ("Newest film", ("-movie__year", "movie__title", "pk")),
}
WATCHLIST_SORTS = {
    "date": ("Recently added", ("-created_at", "-pk")),
    "score": ("Highest rated", (F("movie__rating_mean").desc(nulls_last=True), "-pk")),
    "title": ("Title A–Z", ("movie__title", "movie__year", "pk")),
    "year": ("Newest film", ("-movie__year", "movie__title", "pk")),
}


def rating_scores(*, user, movie_ids: Collection[int]) -> dict[int, Decimal]:
    """The user's score for each of `movie_ids` they rated, in one query."""
    if not user.is_authenticated or not movie_ids:
        return {}
    return dict(
        Rating.objects.filter(user=user, movie_id__in=movie_ids).values_list("movie_id", "score")
    )


def movie_cards_annotate(*, user, movies: Iterable[Movie]) -> None:
    """Everything the movie card shows, for all cards at once: genre names (one query, for
    the movies that were not loaded with them) and `my_score`, the user's rating (one query)."""
    movies = list(movies)
    # Movie.genre_names is a cached_property: a value in __dict__ came with the movie.
    prefetch_related_objects([m for m in movies if "genre_names" not in m.__dict__], "genres")
    scores = rating_scores(user=user, movie_ids=[movie.pk for movie in movies])
    for movie in movies:
        movie.my_score = scores.get(movie.pk)


@dataclass(frozen=True)
class MovieState:
    """What the user has said about one movie."""

    score: Decimal | None = None
    on_watchlist: bool = False
    not_interested: bool = False


def movie_state(*, user, movie: Movie) -> MovieState:
    """Rating, watchlist and "not interested" for one movie, in one query."""
    if not user.is_authenticated:
        return MovieState()
    mine = {"user": user, "movie": OuterRef("pk")}
    row = (
        Movie.objects.filter(pk=movie.pk)
        .annotate(
            score=Subquery(Rating.objects.filter(**mine).values("score")),
            on_watchlist=Exists(WatchlistItem.objects.filter(**mine)),
            not_interested=Exists(NotInterested.objects.filter(**mine)),
        )
        .values("score", "on_watchlist", "not_interested")
        .first()
    )
    return MovieState(**row) if row else MovieState()


def rating_list_sorted(*, user, sort: str) -> QuerySet[Rating]:
    return rating_list(user=user).order_by(*RATING_SORTS[sort][1])


def watchlist_list_sorted(*, user, sort: str) -> QuerySet[WatchlistItem]:
    return watchlist_list(user=user).order_by(*WATCHLIST_SORTS[sort][1])


def rating_count(*, user) -> int:
    return Rating.objects.filter(user=user).count()


def recent_liked_movie(*, user) -> Movie | None:
    """The film behind "Because you liked X": the user's latest rating of LIKED_SCORE or more."""
    rating = (
        Rating.objects.filter(user=user, score__gte=LIKED_SCORE, movie__in=Movie.objects.visible())
        .select_related("movie")
        .order_by("-updated_at", "-pk")
        .first()
    )
    return rating.movie if rating else None


def onboarding_candidates(
    *, user, genres: Collection[str], skipped: Collection[int], n: int
) -> list[Movie]:
    """`n` popular films the user has not rated or skipped, varied across genres and decades.

    Films in the chosen genres come first; the popular pool is dealt round-robin over
    (genre, decade) buckets so that a page is not ten 1990s dramas.
    """
    pool = (
        movie_visible_list()
        .exclude(pk__in=skipped)
        .exclude(pk__in=Rating.objects.filter(user=user).values("movie_id"))
    )
    chosen = {genre.casefold() for genre in genres}
    if chosen:
        pool = pool.filter(genres__name__in=list(genres)).distinct()
    movies = list(pool.defer("embedding")[:ONBOARDING_POOL])
    if len(movies) < n and chosen:  # a narrow choice must not end onboarding early
        taken = {movie.pk for movie in movies}
        movies += [
            movie
            for movie in onboarding_candidates(user=user, genres=(), skipped=skipped, n=n)
            if movie.pk not in taken
        ]
    buckets: dict[tuple[str, int | None], list[Movie]] = defaultdict(list)
    for movie in movies:  # most popular first, so each bucket is too
        names = [g.name for g in movie.genres.all()]
        genre = next((g for g in names if g.casefold() in chosen), names[0] if names else "")
        buckets[(genre, movie.year // 10 if movie.year else None)].append(movie)
    picked: list[Movie] = []
    while len(picked) < n and any(buckets.values()):
        for bucket in list(buckets.values()):
            if bucket and len(picked) < n:
                picked.append(bucket.pop(0))
    return picked


def group_partner_get(*, viewer, username: str) -> User | None:
    """The user to watch with, or None: missing, inactive, yourself, or not allowing it
    all look the same, so the page cannot be used to find out who has an account."""
    return (
        User.objects.filter(
            username__iexact=username.strip(),
            is_active=True,
            is_imported=False,
            allow_group_recommendations=True,
        )
        .exclude(pk=viewer.pk)
        .first()
    )
