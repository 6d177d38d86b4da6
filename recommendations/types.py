"""The recommender's pure data types: what the reads return and the pipeline and the
algorithms pass around, as aligned numpy arrays.

Numpy only (no Django), so the algorithms, the offline evaluation and the request's
steps share them without importing the database reads (`selectors`) that fill them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RatingTriples:
    """All ratings as parallel arrays, plus the sorted id maps of the matrix axes."""

    user_ids: np.ndarray  # sorted unique user ids; row i of the matrix is user_ids[i]
    movie_ids: np.ndarray  # sorted unique movie ids; column j is movie_ids[j]
    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray

    @classmethod
    def from_arrays(
        cls, users: np.ndarray, movies: np.ndarray, scores: np.ndarray
    ) -> RatingTriples:
        user_ids, rows = np.unique(users, return_inverse=True)
        movie_ids, cols = np.unique(movies, return_inverse=True)
        return cls(user_ids, movie_ids, rows, cols, scores.astype(np.float32))

    def subset(self, mask: np.ndarray) -> RatingTriples:
        """The same axes (so factors stay aligned) with only the masked ratings."""
        return RatingTriples(
            self.user_ids, self.movie_ids, self.rows[mask], self.cols[mask], self.scores[mask]
        )

    def of_rows(self, rows: np.ndarray) -> RatingTriples:
        """Every rating of the users at matrix rows `rows` (sorted, unique), the user axis
        narrowed to them and the film axis kept (so film-aligned arrays stay aligned)."""
        narrowed = np.full(len(self.user_ids), -1, dtype=np.int64)
        narrowed[rows] = np.arange(len(rows))
        mask = narrowed[self.rows] >= 0
        return RatingTriples(
            self.user_ids[rows],
            self.movie_ids,
            narrowed[self.rows[mask]],
            self.cols[mask],
            self.scores[mask],
        )


@dataclass(frozen=True)
class UserRatings:
    """One user's ratings as aligned arrays, sorted by movie id."""

    movie_ids: np.ndarray  # int64
    scores: np.ndarray  # float64

    @classmethod
    def from_scores(cls, scores: dict[int, float]) -> UserRatings:
        """From movie id -> score (a profile's `rated`), without another read."""
        movie_ids = np.array(sorted(scores), dtype=np.int64)
        return cls(movie_ids, np.array([scores[m] for m in movie_ids.tolist()], dtype=np.float64))


@dataclass(frozen=True)
class UserSignals:
    """What one user has told us, read in one query."""

    rated_ids: np.ndarray
    rated_scores: np.ndarray
    hidden_ids: np.ndarray  # not interested (+ watchlist when asked): never recommended
    liked_ids: np.ndarray  # the liked films, aligned with their titles and vectors
    liked_titles: list[str]
    liked_vectors: list[np.ndarray | None]


@dataclass(frozen=True)
class Candidates:
    """Candidate movies that passed visibility and filters, as aligned arrays."""

    movie_ids: np.ndarray
    rating_counts: np.ndarray
    vectors: np.ndarray  # unit rows; zeros where a movie has no embedding yet
