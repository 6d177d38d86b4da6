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


def test_the_ratings_of_some_users_narrow_the_user_axis_and_keep_the_film_axis():
    triples = RatingTriples.from_arrays(
        np.array([30, 10, 30, 20, 20]),
        np.array([7, 5, 5, 9, 7]),
        np.array([4.0, 3.5, 1.0, 2.0, 5.0]),
    )
    some = triples.of_rows(np.array([1, 2]))  # users 20 and 30

    assert some.user_ids.tolist() == [20, 30] and some.movie_ids.tolist() == [5, 7, 9]
    pairs = zip(some.user_ids[some.rows].tolist(), some.movie_ids[some.cols].tolist(), strict=True)
    assert sorted(zip(pairs, some.scores.tolist(), strict=True)) == [
        ((20, 7), 5.0),
        ((20, 9), 2.0),
        ((30, 5), 1.0),
        ((30, 7), 4.0),
    ]


def test_user_ratings_from_scores_are_sorted_by_movie_id():
    ratings = UserRatings.from_scores({9: 2.0, 3: 4.5})

    assert ratings.movie_ids.tolist() == [3, 9] and ratings.movie_ids.dtype == np.int64
    assert ratings.scores.tolist() == [4.5, 2.0]
