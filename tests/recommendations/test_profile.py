"""A user's taste for one request, from their signals and the served models."""

import numpy as np

from recommendations.algorithms.als import AlsModel, AlsParams
from recommendations.profile import ItemScores, taste_profile
from recommendations.types import UserSignals
from tests.recommendations.conftest import StarsAsIds

ALS = AlsModel.build(
    params=AlsParams(regularization=0.1),
    movie_ids=np.array([1, 2, 3]),
    item_factors=np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32),
)


def signals(**changes) -> UserSignals:
    values = {
        "rated_ids": np.array([1, 2, 3]),
        "rated_scores": np.array([5.0, 4.5, 1.0], dtype=np.float32),
        "hidden_ids": np.array([7]),
        "liked_ids": np.array([1, 2]),
        "liked_titles": ["One", "Two"],
        "liked_vectors": [np.array([1.0, 0.0]), None],
    } | changes
    return UserSignals(**values)


def test_the_taste_is_the_mean_of_the_liked_films_with_an_embedding():
    profile = taste_profile(
        signals(liked_vectors=[np.array([3.0, 0.0]), np.array([0.0, 1.0])]), None
    )

    np.testing.assert_allclose(profile.taste, [np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-6)
    assert profile.liked_titles == ["One", "Two"]
    # A liked film without an embedding is left out of the taste and of the titles.
    only_one = taste_profile(signals(), None)
    np.testing.assert_allclose(only_one.taste, [1.0, 0.0])
    assert only_one.liked_titles == ["One"]


def test_seen_films_are_the_rated_and_the_hidden_ones():
    profile = taste_profile(signals(), None)

    assert profile.seen_ids.tolist() == [1, 2, 3, 7]
    assert profile.n_ratings == 3
    assert profile.rated == {1: 5.0, 2: 4.5, 3: 1.0}


def test_each_model_folds_the_ratings_in_and_is_absent_without_it():
    profile = taste_profile(signals(), ALS, rating_model=StarsAsIds())

    np.testing.assert_allclose(
        profile.als_vector, ALS.user_vector(np.array([1, 2, 3]), np.array([5.0, 4.5, 1.0]))
    )
    assert profile.stars.at(np.array([2, 9])).tolist() == [2.0, 9.0]
    without = taste_profile(signals(), None)
    assert without.als_vector is None and without.ease is None and without.stars is None


def test_a_user_without_ratings_has_no_fold_ins():
    empty = np.array([], dtype=np.int64)
    profile = taste_profile(
        signals(rated_ids=empty, rated_scores=empty, liked_titles=[], liked_vectors=[]),
        ALS,
        rating_model=StarsAsIds(),
    )

    assert profile.taste is None and profile.als_vector is None and profile.stars is None
    assert profile.seen_ids.tolist() == [7]


def test_item_scores_read_by_id_and_leave_out_the_excluded_in_the_top():
    scores = ItemScores(np.array([1, 2, 3]), np.array([0.1, 0.9, 0.5], dtype=np.float32))

    at = scores.at(np.array([3, 99]))
    assert at[0] == np.float32(0.5) and np.isnan(at[1])
    assert scores.top(1, exclude=np.array([2])).tolist() == [3]
