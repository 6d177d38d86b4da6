"""Reads only the JSON API needs (yet); the website's are in catalog/selectors.py."""

from __future__ import annotations

from django.db.models import F, OrderBy, QuerySet

from catalog.filters import MovieFilters
from catalog.models import Genre, Movie
from catalog.selectors import movie_visible_list

# ?ordering= of the movie list. Ties fall back to the primary key so that pages never overlap.
MOVIE_ORDERINGS: dict[str, tuple[str | OrderBy, ...]] = {
    "popularity": ("-rating_count", "title", "pk"),
    "rating": (F("rating_mean").desc(nulls_last=True), "-rating_count", "pk"),
    "year": (F("year").asc(nulls_last=True), "title", "pk"),
    "-year": (F("year").desc(nulls_last=True), "title", "pk"),
    "title": ("title", "year", "pk"),
}


def movie_browse_list(*, filters: MovieFilters, ordering: str) -> QuerySet[Movie]:
    """Visible movies within `filters`, in one of MOVIE_ORDERINGS."""
    movies = movie_visible_list()
    if not filters.is_empty:
        # A semi-join: joining genres would repeat a movie once per matching genre.
        movies = movies.filter(pk__in=Movie.objects.filter(filters.q()).values("pk"))
    return movies.order_by(*MOVIE_ORDERINGS[ordering])


def genre_list() -> QuerySet[Genre]:
    return Genre.objects.order_by("name")
