"""Popularity and quality."""

import numpy as np
import pytest

from recommendations.algorithms.popularity import (
    bayesian_ratings,
    popular_rows,
    popularity_order,
    quality_prior,
)


def test_bayesian_rating_shrinks_towards_the_mean_with_the_catalogue_prior():
    # One 5-star rating, and 19 ratings of 3: overall mean 62 / 20 = 3.1, prior 20 ratings.
    ratings = bayesian_ratings(sums=np.array([5.0, 57.0]), counts=np.array([1, 19]))
    assert ratings.tolist() == pytest.approx([(3.1 * 20 + 5) / 21, (3.1 * 20 + 57) / 39])


def test_popularity_order_puts_the_most_rated_first_and_breaks_ties_by_id():
    order = popularity_order(movie_ids=np.array([3, 5, 8, 9]), counts=np.array([2, 7, 7, 0]))
    assert order.tolist() == [1, 2, 0, 3]


def test_popular_rows_are_the_first_allowed_rows_of_the_order():
    order = np.array([1, 2, 0, 3])
    allowed = np.array([True, False, True, True])
    assert popular_rows(order, allowed, 2).tolist() == [2, 0]
    assert popular_rows(order, allowed, 10).tolist() == [2, 0, 3]


def test_quality_prior_is_the_bayesian_mean_less_the_catalogue_mean():
    sums, counts = np.array([5.0, 57.0, 0.0]), np.array([1, 19, 0])
    prior = quality_prior(sums=sums, counts=counts)
    np.testing.assert_allclose(prior, bayesian_ratings(sums=sums, counts=counts) - 3.1, rtol=1e-6)
    assert prior[2] == pytest.approx(0.0)  # no ratings: the mean itself
