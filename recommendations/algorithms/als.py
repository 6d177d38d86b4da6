"""ALS on star ratings (Hu, Koren and Volinsky 2008): its parameters, the confidence
mapping, the fit, the model with its fold-in, scores and similar films, and dumps/loads
(the item factors, stored in `TrainingRun.als_model`).

Pure numpy/scipy (the fit runs `implicit`): the training run reads the ratings and stores
the model, the tuning search and the offline evaluation call the same functions on their
splits, and serving (`serving.ServingModel`) folds each request's ratings in against the
stored item factors, so a new rating counts at once without a refit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from core.params import JsonParams
from core.vectors import sorted_positions, top_k, top_k_sorted, unit_rows
from jobs.progress import Progress
from recommendations.types import RatingTriples


@dataclass(frozen=True, kw_only=True)
class AlsParams(JsonParams):
    """Hyper-parameters; the defaults are what the validation search chose on most of 5
    seeds of ml-latest-small (docs/evaluation.md); every tuned training run chooses its own."""

    factors: int = 32
    regularization: float = 5.0
    iterations: int = 15
    # Confidence = 1 + alpha * (score - neutral) for scores above neutral; see `confidence`.
    alpha: float = 2.0
    neutral: float = 2.5
    random_state: int = 42


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


@dataclass(frozen=True, kw_only=True)
class AlsModel:
    """The item factors of one fit, with what every fold-in and cosine reuses."""

    params: AlsParams
    movie_ids: np.ndarray  # sorted; row j of the factors is movie_ids[j]
    item_factors: np.ndarray  # float32, items x factors
    unit_factors: np.ndarray  # the rows scaled to unit length, for item-to-item cosine
    gram: np.ndarray  # YᵀY, float64, shared by every fold-in

    @classmethod
    def build(
        cls, *, params: AlsParams, movie_ids: np.ndarray, item_factors: np.ndarray
    ) -> AlsModel:
        """The model of `item_factors`, its unit rows and Gram matrix computed once."""
        return cls(
            params=params,
            movie_ids=movie_ids,
            item_factors=item_factors,
            unit_factors=unit_rows(item_factors),
            gram=item_factors.T.astype(np.float64) @ item_factors.astype(np.float64),
        )

    def positions(self, movie_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Matrix rows of `movie_ids`, and the mask of those the model knows."""
        return sorted_positions(self.movie_ids, movie_ids)

    def user_vector(self, movie_ids: np.ndarray, scores: np.ndarray) -> np.ndarray | None:
        """Fold a user's current ratings into a factor (no retrain needed); None without a
        like among the modelled films."""
        found, known = self.positions(movie_ids)
        conf = confidence(scores[known], alpha=self.params.alpha, neutral=self.params.neutral)
        return fold_in(self.item_factors, self.gram, found[known], conf, self.params.regularization)

    def scores(self, user_vector: np.ndarray, movie_ids: np.ndarray | None = None) -> np.ndarray:
        """Each film's score for the user's folded-in factor: every modelled film's (aligned
        with `movie_ids` of the model), or those of `movie_ids`, NaN for films the model
        does not know."""
        if movie_ids is None:
            return self.item_factors @ user_vector
        found, known = self.positions(movie_ids)
        out = np.full(len(movie_ids), np.nan, dtype=np.float32)
        out[known] = self.item_factors[found[known]] @ user_vector
        return out

    def top(self, user_vector: np.ndarray, n: int, *, exclude: np.ndarray) -> np.ndarray:
        """The ids of the n best-scored films for the user, leaving out `exclude`."""
        scores = self.scores(user_vector)
        found, known = self.positions(exclude)
        scores[found[known]] = -np.inf
        return self.movie_ids[top_k(scores, n)]

    def cosines(self, movie_id: int) -> np.ndarray | None:
        """Every modelled film's cosine to `movie_id`'s factors; None when the model has
        no factors for it (unknown, or a zero row)."""
        found, known = self.positions(np.array([movie_id]))
        if not known[0] or not self.unit_factors[found[0]].any():
            return None
        return self.unit_factors @ self.unit_factors[found[0]]

    def similar(self, *, movie_id: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k films whose factors are closest to `movie_id`'s by cosine, best first (the
        film itself left out); empty when the model has no factors for it."""
        cosines = self.cosines(movie_id)
        if cosines is None:
            return np.array([], dtype=np.int64), np.array([], dtype=np.float32)
        cosines[self.positions(np.array([movie_id]))[0][0]] = -np.inf
        best = top_k_sorted(cosines, k)
        return self.movie_ids[best], cosines[best]


def confidence_matrix(triples: RatingTriples, params: AlsParams) -> sp.csr_matrix:
    """Users x items CSR of confidences with the dislikes eliminated."""
    matrix = sp.csr_matrix(
        (
            confidence(triples.scores, alpha=params.alpha, neutral=params.neutral),
            (triples.rows, triples.cols),
        ),
        shape=(len(triples.user_ids), len(triples.movie_ids)),
        dtype=np.float32,
    )
    matrix.eliminate_zeros()
    return matrix


def als_fit(*, ratings: RatingTriples, params: AlsParams, progress: Progress) -> AlsModel:
    """Fit ALS on star ratings (their `confidence_matrix`)."""
    user_items = confidence_matrix(ratings, params)
    if user_items.nnz == 0:
        raise ValueError(f"No ratings above the neutral score {params.neutral}; nothing to learn.")
    progress.stage("Fitting ALS", total=params.iterations)
    # implicit parallelises over users itself; a multi-threaded BLAS underneath it
    # oversubscribes the cores and is much slower (implicit warns about it).
    with threadpool_limits(limits=1, user_api="blas"):
        model = AlternatingLeastSquares(
            factors=params.factors,
            regularization=params.regularization,
            iterations=params.iterations,
            random_state=params.random_state,
            num_threads=settings.RECOMMENDER_THREADS,
        )
        model.fit(user_items, show_progress=False, callback=lambda *_: progress.advance())
    return AlsModel.build(
        params=params,
        movie_ids=ratings.movie_ids,
        item_factors=np.ascontiguousarray(model.item_factors, dtype=np.float32),
    )


def als_dumps(model: AlsModel) -> bytes:
    """The movie ids and item factors; the parameters are stored with the run's choice."""
    buffer = io.BytesIO()
    np.savez(buffer, movie_ids=model.movie_ids.astype(np.int64), item_factors=model.item_factors)
    return buffer.getvalue()


def als_loads(data: bytes, *, params: AlsParams) -> AlsModel:
    """The model `als_dumps` stored, fitted with `params`."""
    with np.load(io.BytesIO(data)) as npz:
        return AlsModel.build(
            params=params, movie_ids=npz["movie_ids"], item_factors=npz["item_factors"]
        )
