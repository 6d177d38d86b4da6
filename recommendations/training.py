"""ALS on star ratings: the confidence mapping, the fit, fold-in and the factor artifact.

Pure numpy/scipy: the services read the ratings and store the result, the
evaluation calls the same functions on its splits.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from movierec.progress import Progress
from recommendations.selectors import RatingTriples


@dataclass(frozen=True, kw_only=True)
class AlsParams:
    """Hyper-parameters; the defaults were chosen on a validation split (docs/evaluation.md)."""

    factors: int = 32
    regularization: float = 0.5
    iterations: int = 15
    # Confidence = 1 + alpha * (score - neutral) for scores above neutral; see `confidence`.
    alpha: float = 2.0
    neutral: float = 2.5
    random_state: int = 42

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> AlsParams:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


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


def als_fit(user_items: sp.csr_matrix, params: AlsParams, progress: Progress) -> np.ndarray:
    """Fit ALS on a confidence matrix and return the item factors (float32, items x factors)."""
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
    return np.ascontiguousarray(model.item_factors, dtype=np.float32)


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


def artifact_dumps(movie_ids: np.ndarray, item_factors: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, movie_ids=movie_ids.astype(np.int64), item_factors=item_factors)
    return buffer.getvalue()


def artifact_loads(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    with np.load(io.BytesIO(data)) as npz:
        return npz["movie_ids"], npz["item_factors"]
