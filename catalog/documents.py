"""The text embedded for each movie, and its hash (which decides whether to re-embed)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from catalog.models import Credit, Genre, Movie

MAX_TAGS = 10
MAX_KEYWORDS = 20
# Top-billed cast named in the document: the leads say much about a film, extras little.
MAX_CAST = 5

# Only what movie_document reads, so batches do not drag vectors and tsvectors along.
DOCUMENT_FIELDS = (
    "title", "year", "overview", "tagline", "keywords", "movielens_tags",
    "embedding_model", "embedding_text_hash",
)  # fmt: skip


def document_credits() -> QuerySet[Credit]:
    """The credits a document names (directors and top-billed cast), billing order first."""
    return (
        Credit.objects.filter(
            Q(role=Credit.Role.DIRECTOR) | Q(role=Credit.Role.CAST, position__lt=MAX_CAST)
        )
        .select_related("person")
        .only("movie_id", "role", "position", "person__name")
        .order_by("position", "pk")
    )


def movies_for_documents(*, movie_ids: Iterable[int]) -> QuerySet[Movie]:
    """Movies with what their documents need: three queries for any number of movies."""
    return (
        Movie.objects.filter(pk__in=list(movie_ids))
        .only(*DOCUMENT_FIELDS)
        .prefetch_related(
            Prefetch("genres", queryset=Genre.objects.only("name")),
            Prefetch("credits", queryset=document_credits(), to_attr="document_credits"),
        )
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
    """Title with year, genres, directors, top-billed cast, overview, tagline, keywords and
    the most used tags.

    Genres and credits are read from the movie, so prefetch them for batches
    (movies_for_documents does). Sorted genres make the text, and so its hash,
    independent of insertion order; people keep their billing order.
    """
    parts = [f"{movie.display_title}."]
    genres = sorted(genre.name for genre in movie.genres.all())
    if genres:
        parts.append(f"Genres: {', '.join(genres)}.")
    credits = getattr(movie, "document_credits", None)
    if credits is None:
        credits = list(document_credits().filter(movie=movie)) if movie.pk else []
    for role, label in ((Credit.Role.DIRECTOR, "Directed by"), (Credit.Role.CAST, "Starring")):
        if names := _distinct((c.person.name for c in credits if c.role == role), MAX_CAST):
            parts.append(f"{label} {', '.join(names)}.")
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
