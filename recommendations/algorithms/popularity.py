"""Popularity and quality: how many people rated each film and how well, as the catalogue's
"highly rated" list ranks them (`catalog.browse`). The popularity list is the most-rated
unseen films (`CatalogArrays.popular_ids` serves it, the offline recommender counts the
training ratings); the quality and familiarity priors keep "more like this" from
obscure look-alikes.
"""

from __future__ import annotations

import numpy as np

from catalog.browse import EMPTY_CATALOGUE_MEAN, PRIOR_RATINGS


def catalogue_mean(*, sums: np.ndarray, counts: np.ndarray) -> float:
    """The mean of every rating: the Bayesian prior's mean (as `catalog.browse` computes it)."""
    total = float(np.sum(counts))
    return float(np.sum(sums)) / total if total else EMPTY_CATALOGUE_MEAN


def bayesian_ratings(*, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each item's Bayesian mean rating, as the catalogue's "highly rated" list sorts by
    (`catalog.browse`): its mean as if it also had PRIOR_RATINGS ratings at the overall mean."""
    mean = catalogue_mean(sums=sums, counts=counts)
    return (mean * PRIOR_RATINGS + sums) / (PRIOR_RATINGS + counts)


def quality_prior(*, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each film's Bayesian mean minus the catalogue's mean, in stars (0 without ratings):
    the quality term of "more like this", served from the catalogue copy and measured
    offline from the training ratings."""
    mean = catalogue_mean(sums=sums, counts=counts)
    return (bayesian_ratings(sums=sums, counts=counts) - mean).astype(np.float32)


def popularity_order(*, movie_ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Rows most rated first, ties by id: the order of the popularity list."""
    return np.lexsort((movie_ids, -counts))


def popular_rows(order: np.ndarray, allowed: np.ndarray, n: int) -> np.ndarray:
    """The first n allowed rows of `order` (`popularity_order`)."""
    return order[allowed[order]][:n]


# From this many ratings a film counts as well known to "more like this": its familiarity
# prior stops growing, so it keeps obscure films out without favouring blockbusters.
FAMILIAR_RATINGS = 20


def familiarity(counts: np.ndarray) -> np.ndarray:
    """log(1 + ratings) / log(1 + FAMILIAR_RATINGS), at most 1: 0 unrated, 0.59 at 5 ratings."""
    scaled = np.log1p(counts.astype(np.float64)) / np.log1p(FAMILIAR_RATINGS)
    return np.minimum(scaled, 1.0).astype(np.float32)
