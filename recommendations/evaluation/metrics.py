"""Offline metrics: pure functions of recommended lists, held-out sets and training counts.

Lists hold movie ids, best first; `relevant` sets are movie ids. Per-item values
(popularity, Bayesian rating) come as arrays aligned with a sorted `movie_ids`, the axis
of `selectors.RatingTriples`. The protocol that feeds them is `recommendations.evaluation`
(docs/evaluation.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recommendations.algorithms.calibration import GenreShares, genre_coverage, miscalibration

RANKING_METRICS = ("precision", "recall", "ndcg", "map", "hit_rate")


def ranking_metrics(
    recommended: Sequence[Sequence[int]], relevant: Sequence[set[int]], k: int
) -> dict[str, float]:
    """Mean precision, recall, nDCG, MAP and hit rate @k over users with relevant items.

    Binary gains; nDCG's ideal and AP's denominator use min(|relevant|, k), so a
    perfect list scores 1 even when a user has more than k relevant items.
    """
    totals = dict.fromkeys(RANKING_METRICS, 0.0)
    users = 0
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for items, rel in zip(recommended, relevant, strict=True):
        if not rel:
            continue
        users += 1
        hits = np.array([item in rel for item in list(items)[:k]], dtype=float)
        ideal = min(len(rel), k)
        totals["precision"] += hits.sum() / k
        totals["recall"] += hits.sum() / len(rel)
        totals["ndcg"] += (hits * discounts[: len(hits)]).sum() / discounts[:ideal].sum()
        precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        totals["map"] += (precision_at * hits).sum() / ideal
        totals["hit_rate"] += float(hits.any())
    return {name: value / users if users else 0.0 for name, value in totals.items()}


def coverage(recommended: Sequence[Sequence[int]], catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one list."""
    return len({item for items in recommended for item in items}) / catalogue_size


def intra_list_diversity(
    recommended: Sequence[Sequence[int]], vectors: dict[int, np.ndarray]
) -> float:
    """Mean over lists of 1 - mean pairwise cosine of the embedded items (lists of 2+)."""
    scores = []
    for items in recommended:
        embedded = np.array([vectors[i] for i in items if i in vectors])
        if len(embedded) < 2:
            continue
        similarity = embedded @ embedded.T
        n = len(embedded)
        scores.append(1.0 - (similarity.sum() - np.trace(similarity)) / (n * (n - 1)))
    return float(np.mean(scores)) if scores else 0.0


def personalisation(recommended: Sequence[Sequence[int]], *, k: int) -> float:
    """1 − mean over pairs of users of |A ∩ B| / k, for their top-k lists A and B.

    Exact and linear in the number of recommendations, with neither a users x users Gram
    matrix nor sampling: an item in c lists is shared by c(c − 1)/2 pairs, so the sum of
    all pairwise overlaps is Σ c(c − 1)/2 over the recommended items. 0 with fewer than
    two lists (nothing to compare).
    """
    n = len(recommended)
    if n < 2:
        return 0.0
    items = np.concatenate(
        [np.unique(np.asarray(list(items)[:k], dtype=np.int64)) for items in recommended]
    )
    counts = np.unique(items, return_counts=True)[1].astype(np.float64)
    overlap = (counts * (counts - 1) / 2).sum()
    return float(1.0 - overlap / (n * (n - 1) / 2 * k))


def mean_over_recommended(
    recommended: Sequence[Sequence[int]], *, movie_ids: np.ndarray, values: np.ndarray
) -> float:
    """Mean of a per-item value over every recommended item (each list's items count once
    per list). `values` is aligned with the sorted `movie_ids`; 0 without recommendations."""
    flat = np.fromiter((item for items in recommended for item in items), dtype=np.int64)
    return float(values[np.searchsorted(movie_ids, flat)].mean()) if len(flat) else 0.0


def item_novelty(popularity: np.ndarray, *, users: int) -> np.ndarray:
    """−log2 of each item's popularity share: the fraction of the `users` training users
    who rated it (Microsoft Recommenders' novelty). An item nobody rated in training
    counts as rated once, the most novel a rated item could be, instead of infinity."""
    return -np.log2(np.maximum(popularity, 1) / users)


def low_count_share(lists: Sequence[Sequence[int]], counts: dict[int, int], *, below: int) -> float:
    """Share of the listed films (each list's count once per list) with fewer than `below`
    ratings; 0 without films."""
    flat = [item for items in lists for item in items]
    return sum(counts[item] < below for item in flat) / len(flat) if flat else 0.0


def calibration_metrics(
    recommended: Sequence[Sequence[int]],
    liked: Sequence[np.ndarray],
    genres: GenreShares,
) -> dict[str, float]:
    """Mean miscalibration (Steck's C_KL) of each list against the genres of its user's
    `liked` films, and mean genre coverage (the share of those genres the list carries),
    over the users with a liked film that has a genre and a non-empty list."""
    divergences, coverages = [], []
    for items, likes in zip(recommended, liked, strict=True):
        taste = genres.taste(likes)
        if taste is None or not len(items):
            continue
        rows = genres.of(np.asarray(list(items), dtype=np.int64))
        divergences.append(miscalibration(taste, rows))
        coverages.append(genre_coverage(taste, rows))
    if not divergences:
        return {"miscalibration": 0.0, "genre_coverage": 0.0}
    return {
        "miscalibration": float(np.mean(divergences)),
        "genre_coverage": float(np.mean(coverages)),
    }


def rating_errors(*, predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """RMSE and MAE of predicted stars."""
    error = np.asarray(predicted, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    return {"rmse": float(np.sqrt(np.mean(error**2))), "mae": float(np.mean(np.abs(error)))}


def neighbour_hits(
    neighbours: Sequence[Sequence[int]], relevant: Sequence[set[int]], *, k: int
) -> dict[str, float]:
    """For "more like this": mean number of each query's k neighbours among its user's
    relevant held-out films, and the share of queries with at least one."""
    hits = np.array(
        [len(set(list(items)[:k]) & rel) for items, rel in zip(neighbours, relevant, strict=True)]
    )
    if not len(hits):
        return {"hits": 0.0, "hit_rate": 0.0}
    return {"hits": float(hits.mean()), "hit_rate": float((hits > 0).mean())}


def standard_error(values: Sequence[float]) -> float:
    """Sample standard deviation / √n: the uncertainty of a mean over n seeds (n ≥ 2)."""
    if len(values) < 2:
        raise ValueError("A standard error needs at least two values.")
    return float(np.std(values, ddof=1) / np.sqrt(len(values)))
