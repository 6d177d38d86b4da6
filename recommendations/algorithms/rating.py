"""Predicted star ratings: SVD++ blended with an item-item neighbourhood, both on top of
the bias baseline.

Three predictors, each computed from the user's current ratings alone at serving time
(the item side is fixed by training), so a new rating changes their predictions at once:

- the bias baseline b̃ᵤᵢ = μ + b̃ᵤ + b̃ᵢ: regularised least squares (`baseline_fit`), the
  model the others must beat;
- SVD++ (Koren 2008): μ + bᵤ + bᵢ + qᵢ·(pᵤ + |N(u)|^-½ Σⱼ yⱼ), j over the films the user
  rated. Fitted by L-BFGS on the squared error plus reg_bias·(bᵤ² + bᵢ²) +
  reg_factors·(‖pᵤ‖² + ‖qᵢ‖²) + reg_implicit·‖yⱼ‖² (`svdpp_fit`): no learning rate to
  tune. With the item side fixed, a user's (bᵤ, pᵤ) is the ridge regression of their
  residuals on [1, qᵢ] (`solve_side`), the training objective restricted to that user:
  that is the fold-in;
- item kNN on the baseline's residuals zᵤⱼ = rᵤⱼ − b̃ᵤⱼ (the neighbourhood model of Koren
  2008, Surprise's KNNBaseline, with a shrunk cosine similarity sᵢⱼ, `neighbours_fit`):
  Σ sᵢⱼ² zᵤⱼ / (Σ sᵢⱼ² + neighbour_reg) over the `neighbours_used` films j most similar
  to i among those the user rated.

Served: r̂ = (1 − factors_weight)·baseline + factors_weight·SVD++ + neighbours_weight·kNN,
clipped to the star scale. On the per-user holdout of ml-latest-small (5 seeds, test
split) RMSE 0.8256 against the baseline's 0.8620 (SVD++ alone 0.8395, kNN alone 0.8334;
the biased MF served before 0.8461); docs/evaluation.md.

Memory. Served per film: two float32 biases (bᵢ, b̃ᵢ) and two float32 vectors of
`factors` (qᵢ, yⱼ); and for the `neighbour_items` most-rated films their `neighbours`
most similar films as an int32 item row and a float32 similarity, 8 bytes a neighbour
(no films x films matrix). ml-latest-small, 9,724 films, 32 factors, 100 neighbours:
2.6 MB + 7.8 MB. Training builds the similarities a block of films at a time
(`_CHUNK_FLOATS` floats a block, a sparse product costing Σᵤ nᵤ² over the users' rating
counts nᵤ); L-BFGS holds about 2·`_LBFGS_MEMORY` + 4 vectors the size of the parameters,
(users + films)·(factors + 1) + films·factors floats. ml-latest-small trains in about
15 s (SVD++ 10 s, the neighbours 4 s) on one core.

Pure numpy/scipy, like the other algorithms.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from core.params import JsonParams
from core.vectors import npz_dumps, npz_loads, sorted_positions
from ratings import stars
from recommendations.types import RatingTriples

MIN_SCORE, MAX_SCORE = float(stars.MIN_SCORE), float(stars.MAX_SCORE)
# Floats a chunk of work holds at once (a gathered factor row per rating, a block of
# similarities): about 32 MB as float64, whatever the number of ratings or films.
_CHUNK_FLOATS = 1 << 22
# The baseline's alternating updates, each exact given the other side. On
# ml-latest-small 50 sweeps leave the biases within 0.0003 stars of convergence (10 left
# them 0.05 off, 0.0001 RMSE worse on the test splits); a sweep is two bincounts.
_BASELINE_SWEEPS = 50
# L-BFGS history: 5 pairs converge as far in 150 iterations as 20 did (validation RMSE
# within 0.0001) at a quarter of the optimiser's own memory and time.
_LBFGS_MEMORY = 5
# SVD++'s passes over the ratings (`svdpp_fit`), a few sparse products of ratings x
# factors each: float32 halves their memory traffic, about a third less CPU per L-BFGS
# iteration at 5M ratings (1.2-1.4 s against 1.8-2.4 s, on a loaded machine), for the same
# validation RMSE on ml-latest-small (seed 0: 0.8363 at 150 iterations, 0.8389 at 44,
# as in float64). L-BFGS itself and the loss's sums stay float64.
_SVDPP_FLOAT = np.float32


@dataclass(frozen=True, kw_only=True)
class RatingParams(JsonParams):
    """Hyper-parameters, chosen by RMSE on the validation split carved from the training
    part of the per-user holdout of ml-latest-small (the `evaluation` protocol, seeds 0
    and 1; no test rating seen). Validation RMSE with these, seed 0 / seed 1: bias
    baseline 0.8668 / 0.8742, SVD++ 0.8464 / 0.8525, kNN 0.8461 / 0.8525, blend
    0.8363 / 0.8417 (0.965 / 0.963 of the baseline). One change at a time from the same
    settings but 200 neighbours and a neighbour weight of 0.7 (blend 0.8360 / 0.8417),
    blend on seed 0 (seed 1):

    - SVD++: 16 factors 0.8369 (0.8432), 64 no better at twice the time; reg_bias 2:
      0.8370 (0.8436), 10: 0.8364 (0.8413); reg_implicit 5: 0.8463, 50: 0.8363;
      reg_factors 10: 0.8408, 25: 0.8385; 100 iterations 0.8363, 300 no better. Without
      the implicit term (the plain biased MF, fitted the same way) SVD++ alone scored
      0.855 against 0.846.
    - kNN: the cosine of the baseline residuals over all of each film's ratings beat
      the Pearson-baseline correlation over the co-raters (blend 0.9642 of the baseline
      against 0.9653, in an earlier run) at half the cost; squared similarities (power 1
      or 3 worse, same run); shrinkage 25: 0.8350 (0.8418), 100: 0.8383 (0.8437);
      neighbour_reg 0.002: 0.8353 (0.8416), 0.01: 0.8372 (0.8428); 40 or 100 used the
      same as 60. 100 neighbours stored: 200 gain 0.0003 for twice the memory.
      `neighbour_items` bounds the films with a list (all of ml-latest-small's).
    - Blend weights: the least-squares fit on the validation estimates, (0.72, 0.76) on
      seed 0 and (0.75, 0.79) on seed 1, rounded.

    `svdpp_max_work` bounds SVD++'s cost, ratings × iterations, for large catalogues
    (`svdpp_iterations`): an L-BFGS iteration is a few passes over every rating, 8–10 s
    at 25M ratings, where 150 of them took most of the 15-minute training budget
    (docs/scaling.md). ml-latest-small's 100k ratings stay far below it. At 1.1·10⁹, 44
    iterations at 25M ratings (50 at the earlier 1.25·10⁹): the ~55 s this saves there
    pays for the 30 s the default tuning budget grew by. Its price, seed 0's validation
    blend: 50 iterations 0.8380, 75 0.8369, 150 0.8361 (30: 0.8427).
    Fitting on a sample of the users instead was worse: the ratings of half of them, 150
    iterations, 0.8467.
    """

    factors: int = 32
    reg_bias: float = 5.0
    reg_factors: float = 15.0
    reg_implicit: float = 25.0
    iterations: int = 150
    seed: int = 42
    baseline_reg_bias: float = 2.0
    neighbour_items: int = 10_000
    neighbours: int = 100
    neighbours_used: int = 60
    shrinkage: float = 50.0
    neighbour_reg: float = 0.005
    factors_weight: float = 0.75
    neighbours_weight: float = 0.8
    svdpp_max_work: int = 1_100_000_000


def solve_side(
    *, targets: np.ndarray, design: np.ndarray, reg_bias: float, reg_factors: float
) -> tuple[float, np.ndarray]:
    """The ridge solution of targets ≈ b + design·f over one user's ratings: (b, f),
    float64. [b, f] = (AᵀA + diag(reg_bias, reg_factors, …))⁻¹ Aᵀt with A = [1, design];
    without ratings, b = 0 and f = 0. A (k + 1)² system: microseconds, on every request
    that shows predicted stars."""
    a = np.hstack([np.ones((len(targets), 1)), np.asarray(design, dtype=np.float64)])
    gram = a.T @ a
    gram[np.diag_indices_from(gram)] += [reg_bias] + [reg_factors] * design.shape[1]
    solution = np.linalg.solve(gram, a.T @ np.asarray(targets, dtype=np.float64))
    return float(solution[0]), solution[1:]


def shrunk_mean(*, rows: np.ndarray, n_rows: int, values: np.ndarray, reg: float) -> np.ndarray:
    """Per row, Σ values / (count + reg): the ridge solution of values ≈ b with penalty
    reg·b² (0 for a row without values)."""
    sums = np.bincount(rows, weights=values, minlength=n_rows)
    return sums / (np.bincount(rows, minlength=n_rows) + reg)


@dataclass(frozen=True)
class Estimates:
    """One user's stars for some films from each predictor, clipped to the star scale."""

    bias_baseline: np.ndarray
    svd_pp: np.ndarray
    item_knn: np.ndarray  # the baseline plus the neighbours' correction
    blend: np.ndarray  # what is served


@dataclass(frozen=True)
class RatingModel:
    params: RatingParams
    mean: float  # μ, the training ratings' mean
    movie_ids: np.ndarray  # sorted; row j of the item arrays is movie_ids[j]
    baseline_biases: np.ndarray  # float32, b̃ᵢ
    item_biases: np.ndarray  # float32, SVD++'s bᵢ
    item_factors: np.ndarray  # float32, items x factors, qᵢ
    implicit_factors: np.ndarray  # float32, items x factors, yⱼ
    neighbour_rows: np.ndarray  # int32, sorted item rows that have a neighbour list
    neighbours: np.ndarray  # int32, one list per neighbour row: item rows, most similar first
    similarities: np.ndarray  # float32, the same shape; 0 pads a short list

    def _rated(
        self, user_movie_ids: np.ndarray, user_scores: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Item rows and float64 scores of the user's ratings of films the model knows."""
        found, known = sorted_positions(self.movie_ids, np.asarray(user_movie_ids))
        return found[known], np.asarray(user_scores, dtype=np.float64)[known]

    def fold_in(
        self, *, user_movie_ids: np.ndarray, user_scores: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """SVD++'s user bias bᵤ and taste pᵤ + |N(u)|^-½ Σ yⱼ from their ratings against
        the fixed item side. (0, 0) without ratings of modelled movies."""
        return self._fold_in(*self._rated(user_movie_ids, user_scores))

    def _fold_in(self, items: np.ndarray, scores: np.ndarray) -> tuple[float, np.ndarray]:
        factors = self.item_factors[items].astype(np.float64)
        implicit = self.implicit_factors[items].sum(axis=0, dtype=np.float64)
        implicit /= np.sqrt(max(len(items), 1))
        bias, taste = solve_side(
            targets=scores - self.mean - self.item_biases[items] - factors @ implicit,
            design=factors,
            reg_bias=self.params.reg_bias,
            reg_factors=self.params.reg_factors,
        )
        return bias, taste + implicit

    def estimates(
        self, *, user_movie_ids: np.ndarray, user_scores: np.ndarray, movie_ids: np.ndarray
    ) -> Estimates:
        """Every predictor's stars for `movie_ids`, for the user who gave `user_scores` to
        `user_movie_ids`. A movie the model does not know gets each predictor's μ + bᵤ; a
        user without ratings, its μ + bᵢ."""
        items, scores = self._rated(user_movie_ids, user_scores)
        found, known = sorted_positions(self.movie_ids, np.asarray(movie_ids))
        targets = found[known]

        baseline_user = shrunk_mean(
            rows=np.zeros(len(items), dtype=np.int64),
            n_rows=1,
            values=scores - self.mean - self.baseline_biases[items],
            reg=self.params.baseline_reg_bias,
        )[0]
        baseline = np.full(len(found), self.mean + baseline_user)
        baseline[known] += self.baseline_biases[targets]

        user_bias, taste = self._fold_in(items, scores)
        svd_pp = np.full(len(found), self.mean + user_bias)
        svd_pp[known] += self.item_biases[targets] + self.item_factors[targets] @ taste

        residuals = scores - self.mean - baseline_user - self.baseline_biases[items]
        correction = np.zeros(len(found))
        correction[known] = self._neighbour_correction(items, residuals, targets)

        p = self.params
        blend = (1 - p.factors_weight) * baseline + p.factors_weight * svd_pp
        blend += p.neighbours_weight * correction
        return Estimates(
            bias_baseline=np.clip(baseline, MIN_SCORE, MAX_SCORE),
            svd_pp=np.clip(svd_pp, MIN_SCORE, MAX_SCORE),
            item_knn=np.clip(baseline + correction, MIN_SCORE, MAX_SCORE),
            blend=np.clip(blend, MIN_SCORE, MAX_SCORE),
        )

    def _neighbour_correction(
        self, items: np.ndarray, residuals: np.ndarray, targets: np.ndarray
    ) -> np.ndarray:
        """Σ s² z / (Σ s² + neighbour_reg) over the first `neighbours_used` of each target's
        neighbours the user rated; 0 for a film without a neighbour list."""
        rows, listed = sorted_positions(self.neighbour_rows, targets)
        rated = np.zeros(len(self.movie_ids), dtype=bool)
        rated[items] = True
        user_residuals = np.zeros(len(self.movie_ids))
        user_residuals[items] = residuals
        neighbours = self.neighbours[rows[listed]]
        similarities = self.similarities[rows[listed]].astype(np.float64)
        used = rated[neighbours] & (similarities > 0)
        # The lists are sorted by similarity: the first hits are the user's nearest films.
        used &= np.cumsum(used, axis=1) <= self.params.neighbours_used
        weights = np.where(used, similarities**2, 0.0)
        correction = np.zeros(len(targets))
        correction[listed] = (weights * user_residuals[neighbours]).sum(axis=1) / (
            weights.sum(axis=1) + self.params.neighbour_reg
        )
        return correction

    def predict(
        self, *, user_movie_ids: np.ndarray, user_scores: np.ndarray, movie_ids: np.ndarray
    ) -> np.ndarray:
        """The served stars of `movie_ids`: the blend of `estimates`."""
        return self.estimates(
            user_movie_ids=user_movie_ids, user_scores=user_scores, movie_ids=movie_ids
        ).blend


def baseline_fit(
    *, triples: RatingTriples, mean: float, reg: float
) -> tuple[np.ndarray, np.ndarray]:
    """The bias baseline's (user, item) biases: item and user updates alternate, each the
    exact ridge solution given the other side (`shrunk_mean`), from zero user biases.
    Items are served as float32, so the last user update is against those values: the
    training users' biases are exactly what `RatingModel.estimates` folds in."""
    n_users, n_items = len(triples.user_ids), len(triples.movie_ids)
    offsets = np.asarray(triples.scores, dtype=np.float64) - mean
    user_biases = np.zeros(n_users)
    for _ in range(_BASELINE_SWEEPS):
        item_biases = shrunk_mean(
            rows=triples.cols,
            n_rows=n_items,
            values=offsets - user_biases[triples.rows],
            reg=reg,
        ).astype(np.float32)
        user_biases = shrunk_mean(
            rows=triples.rows,
            n_rows=n_users,
            values=offsets - item_biases[triples.cols],
            reg=reg,
        )
    return user_biases, item_biases


def neighbours_fit(
    *, triples: RatingTriples, residuals: np.ndarray, params: RatingParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each of the `neighbour_items` most-rated films' `neighbours` most similar films
    among them: (the films' item rows, their neighbours' item rows, the similarities).

    sᵢⱼ = zᵢ·zⱼ / (‖zᵢ‖ ‖zⱼ‖) · (nᵢⱼ − 1)⁺ / ((nᵢⱼ − 1)⁺ + shrinkage), z the films' columns
    of baseline residuals and nᵢⱼ their number of co-raters: a similarity resting on a
    few shared users is shrunk towards 0. Computed a block of films at a time (a block x
    films dense product); only positive similarities are kept, sorted descending, a short
    list padded with 0.
    """
    counts = np.bincount(triples.cols, minlength=len(triples.movie_ids))
    rated = np.flatnonzero(counts)
    kept = np.sort(rated[np.argsort(-counts[rated], kind="stable")[: params.neighbour_items]])
    column = np.full(len(counts), -1)
    column[kept] = np.arange(len(kept))
    mine = column[triples.cols] >= 0
    rows, cols = triples.rows[mine], column[triples.cols[mine]]
    z = np.asarray(residuals, dtype=np.float64)[mine]
    shape = (len(triples.user_ids), len(kept))
    residual_matrix = sp.csr_matrix((z, (rows, cols)), shape=shape)
    raters = sp.csr_matrix((np.ones(len(z)), (rows, cols)), shape=shape)
    norms = np.sqrt(np.bincount(cols, weights=z**2, minlength=len(kept)))
    by_film, raters_by_film = residual_matrix.tocsc(), raters.tocsc()

    k = max(min(params.neighbours, len(kept) - 1), 0)
    lists = np.zeros((len(kept), k), dtype=np.int32)
    similarities = np.zeros((len(kept), k), dtype=np.float32)
    if k == 0:  # a single film has no neighbour
        return kept.astype(np.int32), lists, similarities
    block = max(1, _CHUNK_FLOATS // len(kept))
    for start in range(0, len(kept), block):
        films = slice(start, min(start + block, len(kept)))
        dots = (by_film[:, films].T @ residual_matrix).toarray()
        support = np.maximum((raters_by_film[:, films].T @ raters).toarray() - 1, 0)
        scale = np.outer(norms[films], norms)
        sim = np.divide(dots, scale, out=np.zeros_like(dots), where=scale > 0)
        sim *= support / (support + params.shrinkage)
        sim[np.arange(sim.shape[0]), np.arange(films.start, films.stop)] = 0.0
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(sim, top, 1), 1), 1)
        values = np.take_along_axis(sim, top, 1)
        lists[films] = np.where(values > 0, kept[top], 0)
        similarities[films] = np.maximum(values, 0.0)
    return kept.astype(np.int32), lists, similarities


def svdpp_iterations(params: RatingParams, *, ratings: int) -> int:
    """SVD++'s L-BFGS iterations for this many ratings: `params.iterations`, fewer once
    ratings × iterations would pass `params.svdpp_max_work` (44 at 25M ratings)."""
    return max(1, min(params.iterations, params.svdpp_max_work // max(ratings, 1)))


def svdpp_fit(
    *,
    triples: RatingTriples,
    mean: float,
    params: RatingParams,
    on_iteration: Callable[[int], object],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SVD++'s item side (bᵢ, qᵢ, yⱼ), float64: L-BFGS on the regularised squared error of
    every rating, from small random factors (seeded) and zero biases.

    The user side (bᵤ, pᵤ) is fitted jointly and then dropped: serving folds it in
    again. The ratings are ordered by user once, so every sparse matrix of per-rating
    values (residuals, implicit weights) shares one CSR structure; the residual matrix's
    transpose serves the item gradient without a copy.
    """
    n_users, n_items, k = len(triples.user_ids), len(triples.movie_ids), params.factors
    iterations = svdpp_iterations(params, ratings=len(triples.scores))
    order = np.argsort(triples.rows, kind="stable")
    rows, cols = triples.rows[order], triples.cols[order]
    offsets = (np.asarray(triples.scores, dtype=np.float64)[order] - mean).astype(_SVDPP_FLOAT)
    counts = np.bincount(rows, minlength=n_users)
    indptr = np.concatenate([[0], np.cumsum(counts)])

    def by_user(values: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((values, cols, indptr), shape=(n_users, n_items))

    implicit = by_user((1 / np.sqrt(counts[rows])).astype(_SVDPP_FLOAT))
    implicit_t = implicit.T.tocsr()
    sizes = np.cumsum([0, n_users, n_items, n_users * k, n_items * k, n_items * k])

    def unpack(theta: np.ndarray) -> list[np.ndarray]:
        parts = [theta[a:b] for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        return parts[:2] + [part.reshape(-1, k) for part in parts[2:]]

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        user_biases, item_biases, tastes, item_factors, implicit_factors = unpack(
            theta.astype(_SVDPP_FLOAT)
        )
        users = tastes + implicit @ implicit_factors
        errors = user_biases[rows] + item_biases[cols] - offsets
        errors += _rowwise_dots(users, item_factors, rows, cols)
        residual_matrix = by_user(errors)
        user_gradient = 2 * (residual_matrix @ item_factors)
        penalties = (
            (params.reg_bias, user_biases),
            (params.reg_bias, item_biases),
            (params.reg_factors, tastes),
            (params.reg_factors, item_factors),
            (params.reg_implicit, implicit_factors),
        )
        loss = _sum_squares(errors) + sum(reg * _sum_squares(part) for reg, part in penalties)
        error_gradients = (
            2 * np.bincount(rows, weights=errors, minlength=n_users),
            2 * np.bincount(cols, weights=errors, minlength=n_items),
            user_gradient,
            2 * (residual_matrix.T @ users),
            implicit_t @ user_gradient,
        )
        gradient = [
            (g + 2 * reg * part).ravel()
            for g, (reg, part) in zip(error_gradients, penalties, strict=True)
        ]
        return float(loss), np.concatenate(gradient).astype(np.float64)

    rng = np.random.default_rng(params.seed)
    start = np.concatenate(
        [np.zeros(n_users + n_items), rng.normal(0.0, 0.01, sizes[-1] - n_users - n_items)]
    )
    result = scipy.optimize.minimize(
        loss_and_gradient,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": iterations, "maxcor": _LBFGS_MEMORY},
        callback=lambda *_: on_iteration(1),
    )
    if result.nit < iterations:
        on_iteration(iterations - result.nit)  # converged early: the rest at once
    _, item_biases, _, item_factors, implicit_factors = unpack(result.x)
    return item_biases, item_factors, implicit_factors


def _sum_squares(values: np.ndarray) -> float:
    """Σ values², summed in float64: L-BFGS's line search compares losses that differ in
    their later digits."""
    flat = values.ravel().astype(np.float64)
    return float(flat @ flat)


def _rowwise_dots(
    left: np.ndarray, right: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """left[rows[n]]·right[cols[n]] for every n, a chunk at a time (the gathered rows
    of all ratings at once would be ratings x factors floats), in `left`'s precision."""
    dots = np.empty(len(rows), dtype=left.dtype)
    chunk = max(1, _CHUNK_FLOATS // max(left.shape[1], 1))
    for start in range(0, len(rows), chunk):
        part = slice(start, start + chunk)
        dots[part] = np.einsum("ij,ij->i", left[rows[part]], right[cols[part]])
    return dots


def rating_fit(
    *,
    triples: RatingTriples,
    params: RatingParams,
    on_iteration: Callable[[int], object] | None = None,
) -> RatingModel:
    """The baseline, the neighbour lists on its residuals, then SVD++.

    `on_iteration(n)` is told of n more of SVD++'s `svdpp_iterations` steps done (a
    plain callable, so this module stays free of the jobs app).
    """
    scores = np.asarray(triples.scores, dtype=np.float64)
    mean = float(scores.mean())
    user_biases, baseline_biases = baseline_fit(
        triples=triples, mean=mean, reg=params.baseline_reg_bias
    )
    residuals = scores - mean - user_biases[triples.rows] - baseline_biases[triples.cols]
    neighbour_rows, neighbours, similarities = neighbours_fit(
        triples=triples, residuals=residuals, params=params
    )
    item_biases, item_factors, implicit_factors = svdpp_fit(
        triples=triples,
        mean=mean,
        params=params,
        on_iteration=on_iteration or (lambda n: None),
    )
    return RatingModel(
        params=params,
        mean=mean,
        movie_ids=triples.movie_ids,
        baseline_biases=baseline_biases,
        item_biases=item_biases.astype(np.float32),
        item_factors=item_factors.astype(np.float32),
        implicit_factors=implicit_factors.astype(np.float32),
        neighbour_rows=neighbour_rows,
        neighbours=neighbours,
        similarities=similarities,
    )


_ARRAYS = (
    "baseline_biases",
    "item_biases",
    "item_factors",
    "implicit_factors",
    "neighbour_rows",
    "neighbours",
    "similarities",
)


def rating_dumps(model: RatingModel) -> bytes:
    return npz_dumps(
        meta={"params": model.params.as_json(), "mean": model.mean},
        arrays={
            "movie_ids": model.movie_ids.astype(np.int64),
            **{name: getattr(model, name) for name in _ARRAYS},
        },
    )


def rating_loads(data: bytes) -> RatingModel:
    """An `RatingModel`. A run trained before SVD++ and the neighbours stored the biased
    MF's item side only (bᵢ, qᵢ): it loads as that model, served as it was (no implicit
    factors, no neighbours, the factors' estimate alone)."""
    meta, arrays = npz_loads(data)
    params = RatingParams.from_json(meta["params"])
    if "implicit_factors" not in arrays:
        items, factors = arrays["item_factors"].shape
        params = dataclasses.replace(params, factors_weight=1.0, neighbours_weight=0.0)
        arrays |= {
            "baseline_biases": np.zeros(items, dtype=np.float32),
            "implicit_factors": np.zeros((items, factors), dtype=np.float32),
            "neighbour_rows": np.zeros(0, dtype=np.int32),
            "neighbours": np.zeros((0, 0), dtype=np.int32),
            "similarities": np.zeros((0, 0), dtype=np.float32),
        }
    return RatingModel(params=params, mean=meta["mean"], **arrays)
