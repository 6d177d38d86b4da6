"""Content: films alike in what they are about, by the cosine of their text embeddings.

The same shape as the other algorithms where it applies: the user's fold-in (`taste`: the
mean of their liked films' embeddings), scores, and a model (`ContentModel`) with the
nearest and the similar films. Content has no fit and no dumps/loads: the embeddings
are computed per film by `catalog.embedding` and stored on the movie, and the model is
made of them as they are (the in-process catalogue's, `catalog_arrays.CatalogArrays.content`,
or a split's, offline).

Pure numpy, like the other algorithms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.vectors import sorted_positions, top_k, top_k_sorted, unit_rows


def taste(liked_vectors: np.ndarray) -> np.ndarray | None:
    """A user's content taste: the mean of their liked films' unit embeddings, scaled to
    unit length; None without any."""
    if not len(liked_vectors):
        return None
    return unit_rows(liked_vectors.mean(axis=0, keepdims=True))[0]


def content_scores(vectors: np.ndarray, user_taste: np.ndarray) -> np.ndarray:
    """The cosine of each unit row of `vectors` to the taste; NaN for a row without an
    embedding (all zeros), which content can say nothing about."""
    raw = vectors @ user_taste
    raw[~vectors.any(axis=1)] = np.nan
    return raw


@dataclass(frozen=True, kw_only=True)
class ContentModel:
    """The films' unit embeddings, row j for movie_ids[j]."""

    movie_ids: np.ndarray  # sorted
    vectors: np.ndarray  # unit rows; zeros where a film has no embedding yet
    embedded: np.ndarray  # bool: has a vector

    @classmethod
    def build(cls, *, movie_ids: np.ndarray, vectors: np.ndarray) -> ContentModel:
        unit = unit_rows(vectors)
        return cls(movie_ids=movie_ids, vectors=unit, embedded=unit.any(axis=1))

    def rows(self, movie_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each of `movie_ids`, and the mask of those the model has."""
        return sorted_positions(self.movie_ids, movie_ids)

    def vectors_of(self, movie_ids: np.ndarray) -> list[np.ndarray | None]:
        """Each film's unit embedding; None for a film without one (or unknown)."""
        found, known = self.rows(movie_ids)
        return [
            self.vectors[row] if ok and self.embedded[row] else None
            for row, ok in zip(found.tolist(), known.tolist(), strict=True)
        ]

    def scores(self, user_taste: np.ndarray) -> np.ndarray:
        """Every film's cosine to the taste, NaN for a film without an embedding."""
        return content_scores(self.vectors, user_taste)

    def nearest(self, vector: np.ndarray, n: int, allowed: np.ndarray) -> np.ndarray:
        """The ids of the n allowed films with an embedding closest to `vector`, by exact
        cosine, in no particular order."""
        similarity = np.where(allowed & self.embedded, self.vectors @ vector, -np.inf)
        return self.movie_ids[top_k(similarity, n)]

    def cosines(self, movie_id: int) -> np.ndarray | None:
        """Every film's cosine to `movie_id`'s embedding (0 for a film without one); None
        when `movie_id` has none."""
        found, known = self.rows(np.array([movie_id]))
        if not known[0] or not self.embedded[found[0]]:
            return None
        return self.vectors @ self.vectors[found[0]]

    def similar(self, *, movie_id: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k films with an embedding nearest `movie_id`'s, best first (ties by id), the
        film itself left out; empty when it has no embedding."""
        cosines = self.cosines(movie_id)
        if cosines is None:
            return np.array([], dtype=np.int64), np.array([], dtype=np.float32)
        cosines = np.where(self.embedded, cosines, -np.inf)
        cosines[self.rows(np.array([movie_id]))[0][0]] = -np.inf
        best = top_k_sorted(cosines, k)
        return self.movie_ids[best], cosines[best]
