"""The recommender's in-process copy of the catalogue, as numpy arrays.

Fetching ~300 candidates' embeddings, years, genres and popularity from Postgres
cost more than the rest of a recommendation together, and the catalogue changes
far less often than it is read. So each process keeps one copy of every movie's
id, visibility, year, genres, rating count, Bayesian mean and unit embedding, and rebuilds
it when

- a movie changed: every catalogue writer (admin, importers, embedding, hide/feature)
  moves `max(updated_at)`, which is read with the serving model's id in one query;
- or after MAX_AGE_SECONDS, which refreshes the popularity counts and Bayesian means
  (rating writes change them without touching `updated_at`).

Writes that bypass `updated_at` are still safe to serve: the final fetch of the k
movies shown re-checks visibility and filters in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
from django.db import connection

from catalog.filters import MovieFilters
from catalog.models import EMBEDDING_DIMENSIONS, VISIBLE_MOVIE_SQL, Genre, Movie
from core.process_copy import ProcessCopy
from core.vectors import (
    VECTOR_HEADER_BYTES,
    decode_vectors,
    sorted_positions,
    unit_rows,
)
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.content import ContentModel
from recommendations.algorithms.popularity import (
    familiarity,
    popular_rows,
    popularity_order,
    quality_prior,
)
from recommendations.types import Candidates

MAX_AGE_SECONDS = 300

# Stands in for a missing embedding, so every row decodes to the same size (as zeros).
_NO_VECTOR = bytes(VECTOR_HEADER_BYTES + 4 * EMBEDDING_DIMENSIONS)


@dataclass(frozen=True, kw_only=True)
class CatalogArrays:
    movie_ids: np.ndarray  # sorted
    visible: np.ndarray  # bool
    years: np.ndarray  # float32, NaN when unknown (so comparisons are False, as in SQL)
    genres: dict[str, np.ndarray]  # casefolded genre name -> bool mask
    genre_shares: GenreShares  # what the hybrid calibrates by
    rating_counts: np.ndarray  # float32
    by_popularity: np.ndarray  # row indices, most rated first (ties by id)
    # Bayesian mean - the catalogue's mean, in stars: 0 for a film without ratings.
    quality: np.ndarray  # float32
    # The median `quality` of the visible rated films: "because you liked" rows list none
    # below it. Computed once per catalogue copy.
    quality_median: float
    vectors: np.ndarray  # unit rows; zeros where a movie has no embedding yet
    embedded: np.ndarray  # bool: has a vector

    def rows(self, movie_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each of `movie_ids`, and the mask of those in the catalogue."""
        return sorted_positions(self.movie_ids, movie_ids)

    def allowed(self, filters: MovieFilters, exclude: np.ndarray) -> np.ndarray:
        """Rows that may be recommended: visible, within `filters`, not in `exclude`."""
        mask = self.visible.copy()
        if filters.genre:
            mask &= self.genres.get(filters.genre.casefold(), np.zeros_like(mask))
        low, high = _year_bounds(filters)
        if low is not None:
            mask &= self.years >= low
        if high is not None:
            mask &= self.years <= high
        found, known = self.rows(exclude)
        mask[found[known]] = False
        return mask

    def popular_ids(self, n: int, allowed: np.ndarray) -> np.ndarray:
        return self.movie_ids[popular_rows(self.by_popularity, allowed, n)]

    @cached_property
    def familiarity(self) -> np.ndarray:
        """How well known each film is to "more like this" (`popularity.familiarity`),
        once per catalogue copy rather than per request."""
        return familiarity(self.rating_counts)

    @cached_property
    def content(self) -> ContentModel:
        """The content algorithm over these movies' embeddings (the same arrays)."""
        return ContentModel(movie_ids=self.movie_ids, vectors=self.vectors, embedded=self.embedded)

    def candidates(self, movie_ids: np.ndarray, allowed: np.ndarray) -> Candidates:
        """`movie_ids` that are allowed, with what ranking needs, in catalogue order."""
        found, known = self.rows(np.unique(movie_ids))
        rows = found[known]
        rows = rows[allowed[rows]]
        return Candidates(
            movie_ids=self.movie_ids[rows],
            rating_counts=self.rating_counts[rows],
            vectors=self.vectors[rows],
        )


def _year_bounds(filters: MovieFilters) -> tuple[int | None, int | None]:
    decade_end = None if filters.decade is None else filters.decade + 9
    lows = [y for y in (filters.year_min, filters.decade) if y is not None]
    highs = [y for y in (filters.year_max, decade_end) if y is not None]
    return (max(lows) if lows else None), (min(highs) if highs else None)


def catalog_arrays_build() -> CatalogArrays:
    """Every movie in two queries: attributes with genre ids, and the embeddings."""
    movie_table, genre_table = Movie._meta.db_table, Genre._meta.db_table
    link_table = Movie.genres.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT m.id, {VISIBLE_MOVIE_SQL.format(movie="m")}, m.year, m.rating_count,
                   m.rating_sum::float8,
                   coalesce(array_agg(g.name) FILTER (WHERE g.id IS NOT NULL), '{{}}'),
                   coalesce(vector_send(m.embedding), %s)
              FROM {movie_table} m
              LEFT JOIN {link_table} mg ON mg.movie_id = m.id
              LEFT JOIN {genre_table} g ON g.id = mg.genre_id
             GROUP BY m.id
             ORDER BY m.id
            """,
            [_NO_VECTOR],
        )
        rows = cursor.fetchall()
    n = len(rows)
    movie_ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=n)
    rating_counts = np.fromiter((row[3] for row in rows), dtype=np.float32, count=n)
    rating_sums = np.fromiter((row[4] for row in rows), dtype=np.float64, count=n)
    genres: dict[str, np.ndarray] = {}
    for i, row in enumerate(rows):
        for name in row[5]:
            genres.setdefault(name.casefold(), np.zeros(n, dtype=bool))[i] = True
    vectors = unit_rows(decode_vectors([row[6] for row in rows], EMBEDDING_DIMENSIONS))
    visible = np.fromiter((row[1] for row in rows), dtype=bool, count=n)
    quality = quality_prior(sums=rating_sums, counts=rating_counts)
    rated = visible & (rating_counts > 0)
    return CatalogArrays(
        movie_ids=movie_ids,
        visible=visible,
        years=np.array([np.nan if row[2] is None else row[2] for row in rows], dtype=np.float32),
        genres=genres,
        genre_shares=GenreShares.from_masks(movie_ids, genres),
        rating_counts=rating_counts,
        by_popularity=popularity_order(movie_ids=movie_ids, counts=rating_counts),
        quality=quality,
        quality_median=float(np.median(quality[rated])) if rated.any() else 0.0,
        vectors=vectors,
        embedded=vectors.any(axis=1),
    )


_copy: ProcessCopy[CatalogArrays] = ProcessCopy()


def catalog_arrays_for(version: datetime | None) -> CatalogArrays:
    """The process's catalogue, rebuilt if `version` moved or it is older than MAX_AGE_SECONDS."""
    return _copy.get(version, catalog_arrays_build, max_age=MAX_AGE_SECONDS)
