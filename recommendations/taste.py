"""The taste profile page's numbers: ratings by genre, a score histogram, and a movie map.

The map is a 2-D PCA projection of the embedding space. The basis depends only on
the catalogue, so it is computed once per process and recomputed when the number
of embedded movies changes (after an import or an embedding run).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db.models import Avg, BinaryField, Count, F, Func

from catalog.models import EMBEDDING_DIMENSIONS, Movie
from core.vectors import decode_vectors, unit_rows
from ratings.models import MAX_SCORE, MIN_SCORE, Rating

# The basis is fitted on the most-rated movies: they are the ones people will look for on
# the map, and 5,000 rows fit in a few milliseconds where all 62k would take a second.
BASIS_SAMPLE = 5000
MAP_BACKGROUND = 300  # popular movies drawn behind yours
MAP_MAX_RATED = 500  # most recent ratings shown


@dataclass(frozen=True)
class GenreStat:
    genre: str
    count: int
    mean: float


def genre_stats(*, user) -> list[GenreStat]:
    """How many films of each genre the user rated and their mean score, most rated first."""
    rows = (
        Rating.objects.filter(user=user, movie__genres__isnull=False)
        .values("movie__genres__name")
        .annotate(count=Count("pk"), mean=Avg("score"))
        .order_by("-count", "movie__genres__name")
    )
    return [
        GenreStat(row["movie__genres__name"], row["count"], round(float(row["mean"]), 2))
        for row in rows
    ]


def score_histogram(*, user) -> list[tuple[Decimal, int]]:
    """(score, how many ratings) for every half star from 0.5 to 5, zeros included."""
    counts = dict(
        Rating.objects.filter(user=user)
        .values("score")
        .annotate(n=Count("pk"))
        .values_list("score", "n")
    )
    steps = [MIN_SCORE * i for i in range(1, int(MAX_SCORE / MIN_SCORE) + 1)]
    return [(step, counts.get(step, 0)) for step in steps]


# --- Movie map -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    mean: np.ndarray  # (dims,)
    components: np.ndarray  # (2, dims), unit rows
    explained: tuple[float, float]  # share of the sample's variance on each axis


_basis_lock = threading.Lock()
_basis_cache: dict[int, Basis] = {}


def _embedding_bytes() -> Func:
    # pgvector's binary form decodes ~20x faster than its text form (see selectors).
    return Func(F("embedding"), function="vector_send", output_field=BinaryField())


def fit_basis(vectors: np.ndarray) -> Basis:
    """The top two principal axes of `vectors` (rows), signs fixed so every process agrees."""
    vectors = unit_rows(vectors.astype(np.float64))
    mean = vectors.mean(axis=0)
    _, singular, vt = np.linalg.svd(vectors - mean, full_matrices=False)
    components = vt[:2].copy()
    for row in components:  # SVD may return either sign; pick the one with a positive peak
        if row[np.abs(row).argmax()] < 0:
            row *= -1
    variance = singular**2
    share = variance[:2] / variance.sum() if variance.sum() else np.zeros(2)
    if len(components) < 2:  # one movie: no second axis
        components = np.vstack([components, np.zeros((2 - len(components), vectors.shape[1]))])
        share = np.pad(share, (0, 2 - len(share)))
    return Basis(mean=mean, components=components, explained=(float(share[0]), float(share[1])))


def map_basis() -> Basis | None:
    """The cached basis for the current catalogue; None when nothing is embedded yet."""
    embedded = Movie.objects.filter(embedding__isnull=False)
    count = embedded.count()
    if not count:
        return None
    with _basis_lock:
        basis = _basis_cache.get(count)
        if basis is None:
            rows = embedded.order_by("-rating_count", "pk").values_list(_embedding_bytes())
            vectors = decode_vectors(
                [data for (data,) in rows[:BASIS_SAMPLE]], EMBEDDING_DIMENSIONS
            )
            basis = fit_basis(vectors)
            _basis_cache.clear()  # only the current catalogue's basis is worth keeping
            _basis_cache[count] = basis
    return basis


def movie_map(*, user, recommended_ids: Iterable[int] = ()) -> dict:
    """Points for the map: popular movies, plus the user's rated and recommended ones marked.

    Each point is {id, title, x, y, kind, score}: kind is "rated", "recommended" or
    "popular" (a rated film is shown as rated even when it is also popular).
    """
    basis = map_basis()
    if basis is None:
        return {"points": [], "explained": [0.0, 0.0]}
    rated = dict(
        Rating.objects.filter(
            user=user, movie__in=Movie.objects.visible().filter(embedding__isnull=False)
        )
        .order_by("-updated_at")
        .values_list("movie_id", "score")[:MAP_MAX_RATED]
    )
    recommended = [movie_id for movie_id in recommended_ids if movie_id not in rated]
    popular = list(
        Movie.objects.visible()
        .filter(embedding__isnull=False)
        .order_by("-rating_count", "pk")
        .values_list("pk", flat=True)[:MAP_BACKGROUND]
    )
    kinds = {movie_id: "popular" for movie_id in popular}
    kinds |= {movie_id: "recommended" for movie_id in recommended}
    kinds |= {movie_id: "rated" for movie_id in rated}
    return {
        "points": project(basis, kinds, rated),
        "explained": [round(share, 4) for share in basis.explained],
    }


def project(basis: Basis, kinds: dict[int, str], scores: dict[int, Decimal]) -> list[dict]:
    rows = list(
        Movie.objects.visible()
        .filter(pk__in=kinds, embedding__isnull=False)
        .order_by("pk")
        .values_list("pk", "title", "year", _embedding_bytes())
    )
    if not rows:
        return []
    vectors = unit_rows(
        decode_vectors([row[3] for row in rows], EMBEDDING_DIMENSIONS).astype(np.float64)
    )
    xy = (vectors - basis.mean) @ basis.components.T
    points = [
        {
            "id": movie_id,
            "title": f"{title} ({year})" if year else title,
            "x": round(float(x), 4),
            "y": round(float(y), 4),
            "kind": kinds[movie_id],
            "score": float(scores[movie_id]) if movie_id in scores else None,
        }
        for (movie_id, title, year, _), (x, y) in zip(rows, xy, strict=True)
    ]
    # Highlighted points last, so the chart draws them on top of the background.
    order = {"popular": 0, "recommended": 1, "rated": 2}
    return sorted(points, key=lambda point: order[point["kind"]])
