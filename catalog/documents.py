"""The text embedded for each movie, and its hash (which decides whether to re-embed)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from catalog.models import Genre, Movie

MAX_TAGS = 10
MAX_KEYWORDS = 20

# Only what movie_document reads, so batches do not drag vectors and tsvectors along.
DOCUMENT_FIELDS = (
    "title", "year", "overview", "tagline", "keywords", "movielens_tags",
    "embedding_model", "embedding_text_hash",
)  # fmt: skip


def movies_for_documents(*, movie_ids: Iterable[int]) -> QuerySet[Movie]:
    """Movies with what their documents need: two queries for any number of movies."""
    return (
        Movie.objects.filter(pk__in=list(movie_ids))
        .only(*DOCUMENT_FIELDS)
        .prefetch_related(Prefetch("genres", queryset=Genre.objects.only("name")))
        .order_by("pk")
    )


def _distinct(values: Iterable[str], limit: int) -> list[str]:
    """Stripped, case-insensitively distinct values in their original order."""
    seen: set[str] = set()
    result = []
    for value in values:
        value = value.strip()
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            result.append(value)
            if len(result) == limit:
                break
    return result


def movie_document(movie: Movie) -> str:
    """Title with year, genres, overview, tagline, keywords and the most used tags.

    Genres come from `movie.genres.all()`, so prefetch them for batches
    (movies_for_documents does). Sorted genres make the text, and so its hash,
    independent of insertion order.
    """
    parts = [f"{movie.display_title}."]
    genres = sorted(genre.name for genre in movie.genres.all())
    if genres:
        parts.append(f"Genres: {', '.join(genres)}.")
    if overview := movie.overview.strip():
        parts.append(overview)
    if tagline := movie.tagline.strip():
        parts.append(tagline)
    if keywords := _distinct(movie.keywords, MAX_KEYWORDS):
        parts.append(f"Keywords: {', '.join(keywords)}.")
    # The importer stores tags most used first, so the head is the most telling part.
    if tags := _distinct(movie.movielens_tags, MAX_TAGS):
        parts.append(f"Tags: {', '.join(tags)}.")
    return "\n".join(parts)


def document_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
