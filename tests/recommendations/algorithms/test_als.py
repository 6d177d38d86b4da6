import numpy as np
import pytest
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from jobs.progress import NullProgress
from recommendations.algorithms.als import (
    AlsModel,
    AlsParams,
    als_dumps,
    als_fit,
    als_loads,
    confidence,
    confidence_matrix,
    fold_in,
)
from recommendations.types import RatingTriples

# Films 10..13 on two axes: 10 and 11 alike, 12 apart, 13 a zero row (no factors).
FACTORS = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 2.0], [0.0, 0.0]], dtype=np.float32)
MODEL = AlsModel.build(
    params=AlsParams(regularization=0.1), movie_ids=np.array([10, 11, 12, 13]), item_factors=FACTORS
)


def test_confidence_treats_neutral_and_below_as_not_a_like():
    scores = np.array([0.5, 1.0, 2.5, 3.0, 3.5, 4.0, 5.0])
    assert confidence(scores, alpha=2.0, neutral=3.0).tolist() == [0, 0, 0, 0, 2.0, 3.0, 5.0]
    assert confidence(scores, alpha=1.0, neutral=2.5).tolist() == [0, 0, 0, 1.5, 2.0, 2.5, 3.5]


def test_confidence_matrix_drops_dislikes_and_keeps_the_id_maps():
    triples = RatingTriples.from_arrays(
        np.array([10, 10, 20, 20]), np.array([7, 9, 7, 8]), np.array([5.0, 1.0, 4.0, 3.0])
    )
    matrix = confidence_matrix(triples, AlsParams(alpha=1.0, neutral=3.0))

    assert triples.user_ids.tolist() == [10, 20]
    assert triples.movie_ids.tolist() == [7, 8, 9]
    assert matrix.nnz == 2
    assert matrix.toarray().tolist() == [[3.0, 0, 0], [2.0, 0, 0]]


def test_fold_in_is_the_exact_als_user_solve():
    rng = np.random.default_rng(0)
    dense = (rng.random((30, 25)) < 0.3) * rng.integers(1, 6, (30, 25))
    user_items = sp.csr_matrix(dense.astype(np.float32))
    with threadpool_limits(limits=1, user_api="blas"):
        model = AlternatingLeastSquares(factors=6, regularization=0.1, iterations=5, random_state=0)
        model.fit(user_items, show_progress=False)
    y = model.item_factors
    row = user_items[3]

    ours = fold_in(y, y.T @ y, row.indices, row.data, 0.1)

    np.testing.assert_allclose(ours, model.recalculate_user(0, row), rtol=1e-3, atol=1e-4)


def test_fold_in_without_likes_has_no_vector():
    y = np.ones((3, 2), dtype=np.float32)
    assert fold_in(y, y.T @ y, np.array([0, 1]), np.array([0.0, 0.0]), 0.1) is None


def test_the_model_keeps_unit_rows_and_the_gram_matrix_of_its_factors():
    np.testing.assert_allclose(np.linalg.norm(MODEL.unit_factors[:3], axis=1), 1.0, rtol=1e-6)
    assert not MODEL.unit_factors[3].any()
    np.testing.assert_allclose(MODEL.gram, FACTORS.T.astype(float) @ FACTORS, rtol=1e-6)


def test_user_vector_folds_in_the_likes_among_the_modelled_films_only():
    params = MODEL.params
    # 99 is not modelled and 12's two stars are no like: only 10 counts.
    vector = MODEL.user_vector(np.array([10, 12, 99]), np.array([5.0, 2.0, 5.0]))
    expected = fold_in(
        FACTORS,
        MODEL.gram,
        np.array([0, 2]),
        confidence(np.array([5.0, 2.0]), alpha=params.alpha, neutral=params.neutral),
        params.regularization,
    )
    np.testing.assert_allclose(vector, expected)
    assert vector[0] > 0
    assert MODEL.user_vector(np.array([12, 99]), np.array([1.0, 5.0])) is None


def test_scores_are_the_factors_against_the_user_vector_nan_where_unknown():
    vector = np.array([1.0, 0.5], dtype=np.float32)
    np.testing.assert_allclose(MODEL.scores(vector), [1.0, 1.1, 1.0, 0.0], rtol=1e-6)
    at = MODEL.scores(vector, np.array([12, 99, 11]))
    np.testing.assert_allclose(at[[0, 2]], [1.0, 1.1], rtol=1e-6)
    assert np.isnan(at[1])


def test_top_leaves_out_the_excluded_films():
    vector = np.array([1.0, 0.5], dtype=np.float32)
    assert MODEL.top(vector, 1, exclude=np.array([], dtype=np.int64)).tolist() == [11]
    assert sorted(MODEL.top(vector, 2, exclude=np.array([11, 99])).tolist()) == [10, 12]


def test_similar_lists_the_nearest_factors_by_cosine_without_the_film_itself():
    ids, cosines = MODEL.similar(movie_id=10, k=2)
    assert ids.tolist() == [11, 12]
    np.testing.assert_allclose(cosines, [0.8, 0.0], atol=1e-6)
    assert MODEL.similar(movie_id=13, k=2)[0].tolist() == []  # a zero row
    assert MODEL.similar(movie_id=99, k=2)[0].tolist() == []  # not modelled
    assert MODEL.cosines(99) is None


def test_dumps_and_loads_round_trip_the_factors_with_the_run_s_params():
    params = AlsParams(factors=2, alpha=1.0)
    loaded = als_loads(als_dumps(MODEL), params=params)

    assert loaded.params == params
    np.testing.assert_array_equal(loaded.movie_ids, MODEL.movie_ids)
    np.testing.assert_array_equal(loaded.item_factors, FACTORS)
    np.testing.assert_allclose(loaded.gram, MODEL.gram)


def test_fit_returns_a_model_aligned_with_the_rated_films():
    rng = np.random.default_rng(1)
    users, movies = np.repeat(np.arange(20), 5), rng.integers(100, 130, 100)
    triples = RatingTriples.from_arrays(users, movies, rng.choice([2.0, 4.0, 5.0], 100))
    params = AlsParams(factors=4, iterations=3)

    model = als_fit(ratings=triples, params=params, progress=NullProgress())

    assert model.params == params
    np.testing.assert_array_equal(model.movie_ids, triples.movie_ids)
    assert model.item_factors.shape == (len(triples.movie_ids), 4)
    assert model.item_factors.dtype == np.float32


def test_fit_without_a_like_says_there_is_nothing_to_learn():
    triples = RatingTriples.from_arrays(np.array([1, 2]), np.array([5, 6]), np.array([1.0, 2.5]))
    with pytest.raises(ValueError, match="No ratings above the neutral score 2.5"):
        als_fit(ratings=triples, params=AlsParams(), progress=NullProgress())
