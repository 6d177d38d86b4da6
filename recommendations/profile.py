"""A user's taste for one request: their signals, made into what the ranking reads.

`taste_profile` turns the user's ratings and lists (`selectors.user_signals`) into a
content taste (the mean of their liked films' embeddings), an ALS factor, folded
in from their current ratings against the serving model's fixed item factors,
EASE's scores of every modelled film from their current likes, and the rating model's
predicted stars, folded in the same way but only for the films asked about. The
fold-in maths (`confidence`, `fold_in`) is the ALS user step, so training uses it too;
it lives here because it runs on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from core.vectors import sorted_positions, top_k, unit_rows
from recommendations.selectors import UserSignals


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


class StarsModel(Protocol):
    """What a profile needs of the rating model: `algorithms.rating.RatingModel`."""

    def predict(
        self, *, user_movie_ids: np.ndarray, user_scores: np.ndarray, movie_ids: np.ndarray
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class PredictedStars:
    """One user's predicted stars, computed for the films asked about (the candidates,
    a few hundred) rather than for the whole catalogue up front."""

    model: StarsModel
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


class AlsModel(Protocol):
    """What a profile needs of the ALS model: `serving.ServingModel`, which folds in with
    this module's `confidence` and `fold_in` (so this module can't import it)."""

    def user_vector(self, movie_ids: np.ndarray, scores: np.ndarray) -> np.ndarray | None: ...


class EaseScorer(Protocol):
    """What a profile needs of EASE: `ease.EaseModel`."""

    def user_scores(
        self, *, movie_ids: np.ndarray, stars: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None: ...


def taste_profile(
    signals: UserSignals,
    model: AlsModel | None,
    ease: EaseScorer | None = None,
    stars: StarsModel | None = None,
) -> TasteProfile:
    with_vector = [i for i, vector in enumerate(signals.liked_vectors) if vector is not None]
    liked_vectors = (
        unit_rows(np.stack([signals.liked_vectors[i] for i in with_vector]))
        if with_vector
        else np.zeros((0, 0), dtype=np.float32)
    )
    taste = unit_rows(liked_vectors.mean(axis=0, keepdims=True))[0] if with_vector else None
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
        taste=taste,
        als_vector=als_vector,
        ease=None if ease_scores is None else ItemScores(*ease_scores),
        stars=(
            PredictedStars(stars, signals.rated_ids, signals.rated_scores)
            if stars is not None and len(signals.rated_ids)
            else None
        ),
    )


def confidence(scores: np.ndarray, *, alpha: float, neutral: float) -> np.ndarray:
    """Star ratings to implicit-feedback confidence; 0 means "not a like".

    A star rating is explicit, but ALS for implicit feedback wants "how sure are we
    the user likes this". Ratings at or below `neutral` are not likes: they get 0
    and are dropped from the matrix, so a 1-star film counts like an unseen one
    rather than as a positive signal (which raw stars as confidence would make it).
    Above neutral, confidence grows linearly with how far above, starting at 1 so
    that every like weighs at least as much as an unobserved cell (Hu et al. 2008).
    """
    excess = np.asarray(scores, dtype=np.float32) - neutral
    return np.where(excess > 0, 1.0 + alpha * excess, 0.0).astype(np.float32)


def fold_in(
    item_factors: np.ndarray,
    gram: np.ndarray,
    items: np.ndarray,
    conf: np.ndarray,
    regularization: float,
) -> np.ndarray | None:
    """Solve one user's factor against fixed item factors: the exact ALS user step.

    x = (YᵀY + Yᵤᵀ(Cᵤ − I)Yᵤ + λI)⁻¹ Yᵤᵀ Cᵤ pᵤ, with `gram` = YᵀY precomputed once per
    model. This is what lets a new rating change the next recommendations without a
    retrain. None when the user has no likes among the model's items.
    """
    liked = conf > 0
    if not liked.any():
        return None
    y = item_factors[items[liked]].astype(np.float64)
    c = conf[liked].astype(np.float64)
    a = gram + regularization * np.eye(gram.shape[0]) + (y.T * (c - 1.0)) @ y
    b = y.T @ c
    return np.linalg.solve(a, b).astype(np.float32)
