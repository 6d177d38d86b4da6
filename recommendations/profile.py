"""A user's taste for one request: their signals, made into what the ranking reads.

`taste_profile` turns the user's ratings and lists (`selectors.user_signals`) into a
content taste (the mean of their liked films' embeddings), an ALS factor, folded
in from their current ratings against the serving model's fixed item factors,
EASE's scores of every modelled film from their current likes, and the rating model's
predicted stars, folded in the same way but only for the films asked about. Each
fold-in is its algorithm's own (`recommendations.algorithms`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.vectors import sorted_positions, top_k, unit_rows
from recommendations.algorithms.als import AlsModel
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.content import taste
from recommendations.algorithms.ease import EaseModel
from recommendations.algorithms.rating import RatingModel
from recommendations.types import UserSignals


@dataclass(frozen=True)
class ItemScores:
    """A score for every film a model knows (`movie_ids` sorted), for one user."""

    movie_ids: np.ndarray
    scores: np.ndarray

    def at(self, movie_ids: np.ndarray) -> np.ndarray:
        """The scores of `movie_ids`, NaN for films the model does not know."""
        found, known = sorted_positions(self.movie_ids, movie_ids)
        out = np.full(len(movie_ids), np.nan, dtype=np.float32)
        out[known] = self.scores[found[known]]
        return out

    def top(self, n: int, *, exclude: np.ndarray) -> np.ndarray:
        """The ids of the n best-scored films, leaving out `exclude`."""
        scores = self.scores.copy()
        found, known = sorted_positions(self.movie_ids, exclude)
        scores[found[known]] = -np.inf
        return self.movie_ids[top_k(scores, n)]


@dataclass(frozen=True)
class PredictedStars:
    """One user's predicted stars, computed for the films asked about (the candidates,
    a few hundred) rather than for the whole catalogue up front."""

    model: RatingModel
    rated_ids: np.ndarray
    rated_scores: np.ndarray

    def at(self, movie_ids: np.ndarray) -> np.ndarray:
        return self.model.predict(
            user_movie_ids=self.rated_ids, user_scores=self.rated_scores, movie_ids=movie_ids
        )


@dataclass(frozen=True)
class TasteProfile:
    n_ratings: int
    seen_ids: np.ndarray  # never recommended: rated, not interested, maybe watchlisted
    rated: dict[int, float]
    liked_titles: list[str]
    liked_vectors: np.ndarray  # unit rows
    taste: np.ndarray | None
    als_vector: np.ndarray | None
    ease: ItemScores | None = None
    stars: PredictedStars | None = None
    # The liked films with an embedding, aligned with `liked_titles`: what the reasons
    # name (`explain`).
    liked_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def genre_taste(self, genres: GenreShares, like_threshold: float) -> np.ndarray | None:
        """p(g|u): the genres of every film rated `like_threshold` or more (embedded or
        not); what calibration holds a list to and draws each side's candidates by."""
        liked = [movie for movie, score in self.rated.items() if score >= like_threshold]
        return genres.taste(np.array(liked, dtype=np.int64))


def taste_profile(
    signals: UserSignals,
    model: AlsModel | None,
    ease: EaseModel | None = None,
    rating_model: RatingModel | None = None,
) -> TasteProfile:
    with_vector = [i for i, vector in enumerate(signals.liked_vectors) if vector is not None]
    liked_vectors = (
        unit_rows(np.stack([signals.liked_vectors[i] for i in with_vector]))
        if with_vector
        else np.zeros((0, 0), dtype=np.float32)
    )
    als_vector = (
        model.user_vector(signals.rated_ids, signals.rated_scores)
        if model is not None and len(signals.rated_ids)
        else None
    )
    ease_scores = (
        ease.user_scores(movie_ids=signals.rated_ids, stars=signals.rated_scores)
        if ease is not None and len(signals.rated_ids)
        else None
    )
    return TasteProfile(
        n_ratings=len(signals.rated_ids),
        seen_ids=np.union1d(signals.rated_ids, signals.hidden_ids),
        rated=dict(zip(signals.rated_ids.tolist(), signals.rated_scores.tolist(), strict=True)),
        liked_titles=[signals.liked_titles[i] for i in with_vector],
        liked_ids=signals.liked_ids[with_vector],
        liked_vectors=liked_vectors,
        taste=taste(liked_vectors),
        als_vector=als_vector,
        ease=None if ease_scores is None else ItemScores(*ease_scores),
        stars=(
            PredictedStars(rating_model, signals.rated_ids, signals.rated_scores)
            if rating_model is not None and len(signals.rated_ids)
            else None
        ),
    )
