"""ALS on star ratings: its parameters, the confidence matrix, the fit and the item
factors' dumps/loads (stored in `TrainingRun.artifact`).

Pure numpy/scipy: the training run reads the ratings and stores the result, the tuning
search and the offline evaluation call the same functions on their splits. The
confidence mapping and the fold-in run on every request too, so they live in
`recommendations.profile`.
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
from jobs.progress import Progress
from recommendations.profile import confidence
from recommendations.selectors import RatingTriples


@dataclass(frozen=True, kw_only=True)
class AlsParams(JsonParams):
    """Hyper-parameters; the defaults are what the validation search chose on most of 5
    seeds of ml-latest-small (docs/evaluation.md); every tuned training run chooses its own."""

    factors: int = 32
    regularization: float = 5.0
    iterations: int = 15
    # Confidence = 1 + alpha * (score - neutral) for scores above neutral; see `profile.confidence`.
    alpha: float = 2.0
    neutral: float = 2.5
    random_state: int = 42


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


def als_dumps(movie_ids: np.ndarray, item_factors: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, movie_ids=movie_ids.astype(np.int64), item_factors=item_factors)
    return buffer.getvalue()


def als_loads(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    with np.load(io.BytesIO(data)) as npz:
        return npz["movie_ids"], npz["item_factors"]
