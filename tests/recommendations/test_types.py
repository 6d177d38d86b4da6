"""The pure data types: built from arrays, without the database."""

import numpy as np

from recommendations.types import RatingTriples, UserRatings


def test_rating_triples_map_ids_to_sorted_matrix_axes():
    triples = RatingTriples.from_arrays(
        np.array([30, 10, 30]), np.array([7, 5, 5]), np.array([4.0, 3.5, 1.0])
    )

    assert triples.user_ids.tolist() == [10, 30] and triples.movie_ids.tolist() == [5, 7]
    assert triples.rows.tolist() == [1, 0, 1] and triples.cols.tolist() == [1, 0, 0]
    assert triples.scores.dtype == np.float32


def test_a_subset_keeps_the_axes_so_factors_stay_aligned():
    triples = RatingTriples.from_arrays(
        np.array([30, 10, 30]), np.array([7, 5, 5]), np.array([4.0, 3.5, 1.0])
    )
    subset = triples.subset(np.array([True, False, False]))

    assert subset.user_ids.tolist() == [10, 30] and subset.movie_ids.tolist() == [5, 7]
    assert subset.rows.tolist() == [1] and subset.scores.tolist() == [4.0]


def test_user_ratings_from_scores_are_sorted_by_movie_id():
    ratings = UserRatings.from_scores({9: 2.0, 3: 4.5})

    assert ratings.movie_ids.tolist() == [3, 9] and ratings.movie_ids.dtype == np.int64
    assert ratings.scores.tolist() == [4.5, 2.0]
