"""Popularity and quality."""

import numpy as np
import pytest

from recommendations.algorithms.popularity import bayesian_ratings


def test_bayesian_rating_shrinks_towards_the_mean_with_the_catalogue_prior():
    # One 5-star rating, and 19 ratings of 3: overall mean 62 / 20 = 3.1, prior 20 ratings.
    ratings = bayesian_ratings(sums=np.array([5.0, 57.0]), counts=np.array([1, 19]))
    assert ratings.tolist() == pytest.approx([(3.1 * 20 + 5) / 21, (3.1 * 20 + 57) / 39])
