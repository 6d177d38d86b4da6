"""EASE: an item-item linear model with a closed-form fit (Steck 2019).

"Embarrassingly Shallow Autoencoders for Sparse Data": with X the binary users x items
matrix, the item-item weights B minimise ‖X − XB‖² + λ‖B‖² subject to diag(B) = 0, and
the solution is closed form: P = (XᵀX + λI)⁻¹, B = −P / diag(P) (column-wise), diag(B) = 0.
A user's score for item i is x·B[:, i]: the liked items vote for i with their weights.

Pure numpy/scipy, like the other algorithms: the training run reads the ratings
and stores the model; serving scores one user from their current likes, so a new like
counts at once without a refit.

Two fits of the same form make the served model: B on the likes, and B' on every
rating (a rated film, liked or not, is one the user chose to watch). A user's scores
are min-max(x_likes·B) + rated_weight · min-max(x_rated·B'), each scaled to [0, 1] over
the modelled items; rated_weight 0 serves B alone, as before this second fit existed.

Memory. Each fit is dense in the number of modelled items N: the float64 Gram matrix is
inverted in place, so the peak is about 8·N² bytes (N = 10,000 → 800 MB), plus one
block of columns while pruning; the two fits run one after the other, so the peak
does not double. Each served matrix keeps `keep_per_item` weights per item, a CSR of
N·keep·(4 + 4) bytes (float32 weight + int32 column) plus (N + 1)·4 bytes of indptr
(N = 10,000, keep = 100 → about 8 MB; two of them with a rated_weight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from core.params import JsonParams
from core.vectors import npz_dumps, npz_loads, sorted_positions
from ratings.stars import LIKED_STARS
from recommendations.types import RatingTriples

# Columns of P turned into B and pruned at a time: bounds the float64 working copy
# (N x block) next to the N x N inverse.
_PRUNE_BLOCK = 512


@dataclass(frozen=True, kw_only=True)
class EaseParams(JsonParams):
    """Hyper-parameters; l2 and liked_score were chosen on ml-latest-small by nDCG@10 on a
    validation split carved from the training part of the per-user holdout (the
    `evaluation` protocol): λ 200 with likes at 3.5+ scored 0.181 (λ 100: 0.180,
    λ 50: 0.171; every rating as a positive, λ 200: 0.180; popularity 0.113).
    Keeping 100 weights per item costs about 0.007 against the unpruned B.

    rated_weight: the second fit on every rating, blended in per user. On the same
    validation splits (the served hybrid around it, default blend), weight 0.5 raised
    the hybrid's nDCG@10 on seeds 0-3 by 0.0042, 0.0016, 0.0015 and 0.0003, weight 1 by
    0.0059, 0.0006, 0.0029 and -0.0007 (docs/evaluation.md); every tuned run chooses
    it again from `tuning.EASE_RATED_WEIGHT_GRID`. 0 turns the second fit off.

    Binarisation: a rating of `liked_score` stars or more is a 1 in X, anything else a 0.
    EASE's closed form is a regression of each item's column on the others, so X is
    kept binary (the paper's setting) instead of carrying `als.confidence`'s
    graded weights: a weighted X would weigh co-occurrences by products of confidences
    and let the heavy raters dominate the Gram matrix. Dislikes are dropped as in
    `als.confidence` (a 1-star film is no evidence of taste for its neighbours).
    """

    l2: float = 200.0
    liked_score: float = float(LIKED_STARS)
    max_items: int = 10_000
    keep_per_item: int = 100
    rated_weight: float = 0.5


def positives(scores: np.ndarray, *, liked_score: float) -> np.ndarray:
    """Star ratings to EASE's binary input: 1.0 for a like, 0.0 otherwise."""
    return (np.asarray(scores) >= liked_score).astype(np.float32)


@dataclass(frozen=True)
class EaseModel:
    params: EaseParams
    movie_ids: np.ndarray  # sorted; row and column j of `weights` is movie_ids[j]
    weights: sp.csr_matrix  # B, float32, row j = what liking movie j adds to every item
    # B' from every rating, the same layout; None when rated_weight was 0 at the fit, and
    # for models stored before it existed.
    rated_weights: sp.csr_matrix | None = None

    def scores(
        self, *, movie_ids: np.ndarray, weights: np.ndarray, matrix: sp.csr_matrix | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every modelled item's score for one user: x·B (or x·`matrix`) with x their
        weighted items.

        `weights` is x at `movie_ids` (`positives` of their stars); movies the model does
        not know are ignored. The user's own items are scored too: the caller excludes
        what was seen. Returns (movie ids, float32 scores), aligned with `self.movie_ids`.
        """
        found, known = sorted_positions(self.movie_ids, np.asarray(movie_ids))
        x = sp.csr_matrix(
            (np.asarray(weights, dtype=np.float32)[known], (np.zeros(known.sum()), found[known])),
            shape=(1, len(self.movie_ids)),
        )
        matrix = self.weights if matrix is None else matrix
        return self.movie_ids, np.asarray((x @ matrix).todense(), dtype=np.float32)[0]

    def user_scores(
        self, *, movie_ids: np.ndarray, stars: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """A user's scores from their star ratings: B's from their likes (binarised as in
        the fit) plus rated_weight times B''s from all their ratings, each min-max scaled.
        None when the model has nothing to say: no modelled like, or, with B', no
        modelled rating."""
        likes = positives(stars, liked_score=self.params.liked_score)
        _, known = sorted_positions(self.movie_ids, np.asarray(movie_ids))
        if self.rated_weights is None or self.params.rated_weight == 0:
            if not likes[known].any():
                return None
            return self.scores(movie_ids=movie_ids, weights=likes)
        if not known.any():
            return None
        _, liked = self.scores(movie_ids=movie_ids, weights=likes)
        _, rated = self.scores(
            movie_ids=movie_ids, weights=np.ones(len(likes)), matrix=self.rated_weights
        )
        return self.movie_ids, _unit(liked) + np.float32(self.params.rated_weight) * _unit(rated)

    def similar(self, *, movie_id: int, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k items liking `movie_id` pushes up most (row of B, positive weights only),
        best first: the scores of a user whose only like is this movie."""
        found, known = sorted_positions(self.movie_ids, np.array([movie_id]))
        if not known[0]:
            return np.array([], dtype=np.int64), np.array([], dtype=np.float32)
        row = self.weights[found[0]]
        order = np.argsort(-row.data, kind="stable")[:k]
        order = order[row.data[order] > 0]
        return self.movie_ids[row.indices[order]], row.data[order]

    def strongest_link(self, *, liked_ids: np.ndarray, movie_id: int) -> int | None:
        """Which of `liked_ids` adds most to `movie_id`'s score (its weight in B), the film
        it is most often liked together with; None when none adds anything."""
        liked_ids = np.asarray(liked_ids, dtype=np.int64)
        found, known = sorted_positions(self.movie_ids, liked_ids)
        target, target_known = sorted_positions(self.movie_ids, np.array([movie_id]))
        if not target_known[0] or not known.any():
            return None
        weights = self.weights[found[known]][:, [target[0]]].toarray()[:, 0]
        best = int(weights.argmax())
        return int(liked_ids[known][best]) if weights[best] > 0 else None


def _unit(scores: np.ndarray) -> np.ndarray:
    """Min-max to [0, 1] (all zeros when constant): the two fits' scores differ in scale."""
    low, high = scores.min(), scores.max()
    if high <= low:
        return np.zeros_like(scores)
    return (scores - low) / (high - low)


def ease_fit(
    *,
    ratings: RatingTriples | sp.spmatrix,
    params: EaseParams,
    movie_ids: np.ndarray | None = None,
) -> EaseModel:
    """Fit EASE on star ratings: `RatingTriples`, or a users x items sparse matrix of
    stars (0 = unrated) whose column j is `movie_ids[j]` (default: j itself)."""
    if sp.issparse(ratings):
        stars = sp.csc_matrix(ratings, dtype=np.float32)
        all_ids = np.arange(stars.shape[1]) if movie_ids is None else np.asarray(movie_ids)
    else:
        stars = sp.csc_matrix(
            (ratings.scores, (ratings.rows, ratings.cols)),
            shape=(len(ratings.user_ids), len(ratings.movie_ids)),
            dtype=np.float32,
        )
        all_ids = ratings.movie_ids
    stars.eliminate_zeros()
    # The most-rated items (any score: a rated film is one people know), in id order.
    counts = np.diff(stars.indptr)
    keep = np.sort(np.argsort(-counts, kind="stable")[: params.max_items])
    rated = stars[:, keep]
    liked = rated.copy()
    liked.data = positives(liked.data, liked_score=params.liked_score)
    liked.eliminate_zeros()
    rated.data = np.ones_like(rated.data)
    return EaseModel(
        params=params,
        movie_ids=all_ids[keep],
        weights=_fit_pruned(liked, params),
        rated_weights=_fit_pruned(rated, params) if params.rated_weight > 0 else None,
    )


def _fit_pruned(x: sp.csc_matrix, params: EaseParams) -> sp.csr_matrix:
    """B for the binary matrix x, pruned. Its N x N inverse is freed on return, before
    the next fit allocates its own."""
    return _pruned_weights(
        _regularised_inverse(x.astype(np.float64), params.l2), params.keep_per_item
    )


def _regularised_inverse(x: sp.csc_matrix, l2: float) -> np.ndarray:
    """P = (XᵀX + λI)⁻¹, float64, using one N x N buffer.

    The Gram is filled a column block at a time (XᵀX as one sparse product would hold
    every co-occurrence as a 12-byte triple first), in Fortran order, so LAPACK inverts
    it in place instead of copying it.
    """
    n = x.shape[1]
    gram = np.empty((n, n), dtype=np.float64, order="F")
    xt = x.T.tocsr()
    for start in range(0, n, _PRUNE_BLOCK):
        block = slice(start, min(start + _PRUNE_BLOCK, n))
        gram[:, block] = (xt @ x[:, block]).toarray()
    gram[np.diag_indices(n)] += l2
    return scipy.linalg.inv(gram, overwrite_a=True, check_finite=False)


def _pruned_weights(inverse: np.ndarray, keep_per_item: int) -> sp.csr_matrix:
    """B = −P / diag(P) with a zero diagonal, keeping each column's `keep_per_item`
    largest weights by magnitude (a strong negative weight is evidence too)."""
    n = inverse.shape[0]
    keep = max(1, min(keep_per_item, n - 1))
    diagonal = inverse.diagonal().copy()
    rows, data = [], []
    for start in range(0, n, _PRUNE_BLOCK):
        stop = min(start + _PRUNE_BLOCK, n)
        block = inverse[:, start:stop] / -diagonal[start:stop]
        block[np.arange(start, stop), np.arange(stop - start)] = 0.0
        # The diagonal is 0, so it is never among the kept unless every weight is 0.
        top = np.argpartition(-np.abs(block), keep - 1, axis=0)[:keep]
        rows.append(top.T.ravel())
        data.append(np.take_along_axis(block, top, axis=0).T.ravel())
    indptr = np.arange(0, n * keep + 1, keep)
    weights = sp.csc_matrix(
        (np.concatenate(data).astype(np.float32), np.concatenate(rows), indptr), shape=(n, n)
    )
    return weights.tocsr()


def ease_dumps(model: EaseModel) -> bytes:
    arrays = {"movie_ids": model.movie_ids.astype(np.int64), **_csr_arrays(model.weights, "")}
    if model.rated_weights is not None:
        arrays.update(_csr_arrays(model.rated_weights, "rated_"))
    return npz_dumps(meta=model.params.as_json(), arrays=arrays)


def ease_loads(data: bytes) -> EaseModel:
    meta, arrays = npz_loads(data)
    n = len(arrays["movie_ids"])

    def csr(prefix: str) -> sp.csr_matrix:
        parts = (arrays[f"{prefix}{name}"] for name in ("data", "indices", "indptr"))
        return sp.csr_matrix(tuple(parts), shape=(n, n))

    return EaseModel(
        params=EaseParams.from_json(meta),
        movie_ids=arrays["movie_ids"],
        weights=csr(""),
        rated_weights=csr("rated_") if "rated_data" in arrays else None,
    )


def _csr_arrays(matrix: sp.csr_matrix, prefix: str) -> dict[str, np.ndarray]:
    return {
        f"{prefix}data": matrix.data,
        f"{prefix}indices": matrix.indices,
        f"{prefix}indptr": matrix.indptr,
    }
