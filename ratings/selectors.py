"""Reads for ratings and lists: a user's lists and their sorts, what they said about
movies (for cards and pages), and "download my data"."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Exists,
    F,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from accounts.models import User
from catalog.filters import MovieFilters
from catalog.models import Movie
from catalog.selectors import movie_visible_list
from ratings.models import NotInterested, Rating, WatchlistItem

EXPORT_FORMAT_VERSION = 1

# Every exported list names its movies the same way, with the ids other services understand.
_MOVIE_COLUMNS = {
    "title": F("movie__title"),
    "year": F("movie__year"),
    "movielens_id": F("movie__movielens_id"),
    "imdb_id": F("movie__imdb_id"),
    "tmdb_id": F("movie__tmdb_id"),
}

# The lists in "download my data": (key in the export, model, its own columns). A new
# per-user list (e.g. a diary) is one more line here; the CSV follows automatically.
EXPORT_LISTS: tuple[tuple[str, type[Model], tuple[str, ...]], ...] = (
    ("ratings", Rating, ("score", "created_at", "updated_at")),
    ("watchlist", WatchlistItem, ("created_at",)),
    ("not_interested", NotInterested, ("created_at",)),
)


def _json_ready(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | str | None):
        return value
    return float(value)  # Decimal scores: half stars are exact in binary floating point.


@dataclass(frozen=True, kw_only=True)
class ExportSection:
    """A part of "download my data" that an app above this one adds (social: its diary,
    reviews and lists), registered when the app is ready."""

    rows: Callable[[User], list[dict[str, Any]]]  # JSON-ready, as the JSON download holds them
    # The CSV download is one flat table, so a section with nested rows (a list's entries)
    # says how its JSON rows become table rows, and which columns those add.
    csv_columns: tuple[str, ...]
    csv_rows: Callable[[list[dict[str, Any]]], Iterable[dict[str, Any]]] = iter


EXPORT_SECTIONS: dict[str, ExportSection] = {}


def export_csv_columns() -> tuple[str, ...]:
    """The CSV download's columns: the list or section a row comes from, the movie, then
    each list's and section's own columns, each once."""
    own = [column for _, _, columns in EXPORT_LISTS for column in columns]
    sections = [column for section in EXPORT_SECTIONS.values() for column in section.csv_columns]
    return tuple(dict.fromkeys(("list", "movie_id", *_MOVIE_COLUMNS, *own, *sections)))


def export_csv_rows(export: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`user_data_export`'s lists and sections as the CSV table's rows, each with the name
    of the list or section it comes from."""
    for key, _, _ in EXPORT_LISTS:
        yield from ({"list": key, **row} for row in export[key])
    for key, section in EXPORT_SECTIONS.items():
        yield from ({"list": key, **row} for row in section.csv_rows(export[key]))


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the user gave us, as JSON-ready primitives, oldest entry first."""
    export: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "user": {
            "username": user.username,
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "profile_is_public": user.profile_is_public,
            "allow_group_recommendations": user.allow_group_recommendations,
        },
    }
    for key, model, columns in EXPORT_LISTS:
        rows = (
            model.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values("movie_id", *columns, **_MOVIE_COLUMNS)
        )
        export[key] = [{name: _json_ready(value) for name, value in row.items()} for row in rows]
    for key, section in EXPORT_SECTIONS.items():
        export[key] = section.rows(user)
    return export


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


def rating_list(*, user) -> QuerySet[Rating]:
    return Rating.objects.filter(user=user).select_related("movie").order_by("-updated_at")


def watchlist_list(*, user) -> QuerySet[WatchlistItem]:
    return WatchlistItem.objects.filter(user=user).select_related("movie")


def not_interested_list(*, user) -> QuerySet[NotInterested]:
    return NotInterested.objects.filter(user=user).select_related("movie")


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


def movie_popular_unseen_list(*, user) -> QuerySet[Movie]:
    """ "Popular now" for a signed-in user: the most rated visible films they have not
    rated or dismissed ("not interested")."""
    return (
        movie_visible_list()
        .exclude(pk__in=Rating.objects.filter(user=user).values("movie_id"))
        .exclude(pk__in=NotInterested.objects.filter(user=user).values("movie_id"))
    )


def rating_count(*, user) -> int:
    return Rating.objects.filter(user=user).count()


def rating_filtered_list(
    *,
    user: User,
    sort: str,
    min_score: Decimal | None = None,
    max_score: Decimal | None = None,
    genre: str | None = None,
) -> QuerySet[Rating]:
    """The user's own ratings within a score range and a genre, in one of RATING_SORTS."""
    ratings = rating_list_sorted(user=user, sort=sort).prefetch_related("movie__genres")
    if min_score is not None:
        ratings = ratings.filter(score__gte=min_score)
    if max_score is not None:
        ratings = ratings.filter(score__lte=max_score)
    if genre:
        # A semi-join: joining genres could repeat a rating once per matching genre.
        ratings = ratings.filter(
            movie__in=Movie.objects.filter(MovieFilters(genre=genre).q()).values("pk")
        )
    return ratings
