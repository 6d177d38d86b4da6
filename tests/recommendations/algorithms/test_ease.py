import numpy as np
import scipy.sparse as sp

from core.vectors import npz_dumps
from recommendations.algorithms.ease import EaseParams, ease_dumps, ease_fit, ease_loads, positives

# 4 users x 3 items, already binary (liked_score 1 keeps every 1).
TINY = np.array(
    [
        [1, 1, 0],
        [1, 1, 1],
        [0, 1, 1],
        [1, 0, 0],
    ],
    dtype=np.float32,
)


def closed_form(x: np.ndarray, l2: float) -> np.ndarray:
    p = np.linalg.inv(x.T @ x + l2 * np.eye(x.shape[1]))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return b


def test_tiny_matrix_matches_the_closed_form():
    model = ease_fit(
        ratings=sp.csr_matrix(TINY), params=EaseParams(l2=1.0, liked_score=1.0, keep_per_item=3)
    )
    b = model.weights.toarray()

    np.testing.assert_allclose(b, closed_form(TINY.astype(np.float64), 1.0), atol=1e-6)
    # By hand: G = XᵀX + I = [[4,2,1],[2,4,2],[1,2,3]], det G = 24, and
    # P = adj(G)/24 = [[8,-4,0],[-4,11,-6],[0,-6,12]]/24. B[i,j] = -P[i,j]/P[j,j]:
    # B[0,1] = 4/11, B[1,0] = 4/8 = 0.5, B[2,1] = 6/11, B[1,2] = 6/12 = 0.5, B[0,2] = 0.
    assert np.isclose(b[0, 1], 4 / 11)
    assert np.isclose(b[1, 0], 0.5)
    assert np.isclose(b[2, 1], 6 / 11)
    assert np.isclose(b[1, 2], 0.5)
    assert abs(b[0, 2]) < 1e-6  # items 0 and 2 are conditionally independent given 1
    assert np.all(np.diag(b) == 0.0)
    assert model.weights.dtype == np.float32


def random_likes(users: int, items: int, seed: int) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    return sp.csr_matrix((rng.random((users, items)) < 0.3).astype(np.float32))


def test_pruning_keeps_the_largest_weights_of_each_column():
    x = random_likes(60, 20, seed=1)
    model = ease_fit(ratings=x, params=EaseParams(l2=5.0, liked_score=1.0, keep_per_item=4))
    full = closed_form(x.toarray().astype(np.float64), 5.0)
    pruned = model.weights.tocsc()

    assert np.all(np.diff(pruned.indptr) == 4)
    for j in range(20):
        kept = set(pruned.indices[pruned.indptr[j] : pruned.indptr[j + 1]].tolist())
        assert kept == set(np.argsort(-np.abs(full[:, j]))[:4].tolist())
        np.testing.assert_allclose(
            pruned[:, [j]].toarray()[:, 0][list(kept)], full[list(kept), j], rtol=1e-5
        )


def test_only_the_most_rated_items_are_modelled():
    stars = np.array(
        [
            [4.0, 5.0, 0.0, 1.0],
            [3.0, 0.0, 0.0, 2.0],
            [5.0, 4.0, 3.0, 0.0],
        ],
        dtype=np.float32,
    )
    model = ease_fit(
        ratings=sp.csr_matrix(stars),
        movie_ids=np.array([10, 20, 30, 40]),
        params=EaseParams(l2=1.0, liked_score=3.5, max_items=3),
    )

    # Counts 3, 2, 1, 2: item 30 (one rating) is dropped; the rest stay in id order.
    assert model.movie_ids.tolist() == [10, 20, 40]
    assert model.weights.shape == (3, 3)
    ids, scores = model.scores(movie_ids=np.array([10, 30]), weights=np.ones(2))
    assert ids.tolist() == [10, 20, 40] and scores.shape == (3,)


def test_an_item_co_liked_with_the_users_items_ranks_above_an_unrelated_one():
    # Items 0-2 are liked together, items 3-5 together, by disjoint groups of users.
    x = np.zeros((40, 6), dtype=np.float32)
    x[:20, :3] = np.random.default_rng(2).random((20, 3)) < 0.8
    x[20:, 3:] = np.random.default_rng(3).random((20, 3)) < 0.8
    model = ease_fit(ratings=sp.csr_matrix(x), params=EaseParams(l2=2.0, liked_score=1.0))

    ids, scores = model.scores(
        movie_ids=np.array([0, 1]), weights=positives(np.array([5.0, 4.5]), liked_score=3.5)
    )

    assert scores[2] > max(scores[3:])
    similar_ids, similar_weights = model.similar(movie_id=0, k=2)
    assert set(similar_ids.tolist()) <= {1, 2} and np.all(np.diff(similar_weights) <= 0)
    assert model.similar(movie_id=99, k=2)[0].size == 0


def test_dislikes_are_not_positives():
    assert positives(np.array([1.0, 3.0, 3.5, 5.0]), liked_score=3.5).tolist() == [0, 0, 1, 1]


def test_dumps_loads_round_trip():
    params = EaseParams(l2=3.0, liked_score=1.0, keep_per_item=5, max_items=15)
    model = ease_fit(
        ratings=random_likes(50, 20, seed=4), movie_ids=np.arange(100, 120), params=params
    )

    loaded = ease_loads(ease_dumps(model))

    assert loaded.params == params
    np.testing.assert_array_equal(loaded.movie_ids, model.movie_ids)
    assert (loaded.weights != model.weights).nnz == 0
    assert (loaded.rated_weights != model.rated_weights).nnz == 0
    np.testing.assert_array_equal(
        loaded.scores(movie_ids=np.array([101, 105]), weights=np.ones(2))[1],
        model.scores(movie_ids=np.array([101, 105]), weights=np.ones(2))[1],
    )


def unit(v: np.ndarray) -> np.ndarray:
    return (v - v.min()) / (v.max() - v.min())


def test_the_second_fit_is_ease_on_every_rating_and_blends_in_by_its_weight():
    stars = np.array(
        [[5.0, 2.0, 0.0], [4.0, 4.5, 1.0], [0.0, 5.0, 4.0], [3.0, 0.0, 5.0]], dtype=np.float32
    )
    params = EaseParams(l2=1.0, liked_score=3.5, keep_per_item=3, rated_weight=0.5)

    model = ease_fit(ratings=sp.csr_matrix(stars), params=params)

    liked, rated = (stars >= 3.5).astype(np.float64), (stars > 0).astype(np.float64)
    np.testing.assert_allclose(model.weights.toarray(), closed_form(liked, 1.0), atol=1e-6)
    np.testing.assert_allclose(model.rated_weights.toarray(), closed_form(rated, 1.0), atol=1e-6)
    # A user who liked item 0 and disliked item 1: likes [1, 0, 0], ratings [1, 1, 0].
    ids, scores = model.user_scores(movie_ids=np.array([0, 1]), stars=np.array([4.5, 1.0]))
    by_hand = unit(np.array([1, 0, 0]) @ closed_form(liked, 1.0)) + 0.5 * unit(
        np.array([1, 1, 0]) @ closed_form(rated, 1.0)
    )
    np.testing.assert_allclose(scores, by_hand, atol=1e-5)
    # Only dislikes: B has nothing to say, B' still does; no modelled rating at all: None.
    assert model.user_scores(movie_ids=np.array([1]), stars=np.array([1.0])) is not None
    assert model.user_scores(movie_ids=np.array([99]), stars=np.array([5.0])) is None


def test_without_a_rated_weight_only_the_likes_fit_is_made_and_served():
    x = random_likes(30, 8, seed=5)
    alone = ease_fit(ratings=x, params=EaseParams(l2=2.0, liked_score=1.0, rated_weight=0.0))

    assert alone.rated_weights is None
    ids, scores = alone.user_scores(movie_ids=np.array([0, 1]), stars=np.array([1.0, 1.0]))
    np.testing.assert_array_equal(
        scores, alone.scores(movie_ids=np.array([0, 1]), weights=np.ones(2))[1]
    )
    assert alone.user_scores(movie_ids=np.array([0]), stars=np.array([0.5])) is None


def test_a_model_stored_before_the_second_fit_loads_and_serves_its_likes_alone():
    model = ease_fit(
        ratings=random_likes(30, 8, seed=6), params=EaseParams(l2=2.0, liked_score=1.0)
    )
    b = model.weights
    old = npz_dumps(
        meta={"l2": 2.0, "liked_score": 1.0, "max_items": 10_000, "keep_per_item": 100},
        arrays={
            "movie_ids": model.movie_ids,
            "data": b.data,
            "indices": b.indices,
            "indptr": b.indptr,
        },
    )

    loaded = ease_loads(old)

    assert loaded.rated_weights is None
    np.testing.assert_array_equal(
        loaded.user_scores(movie_ids=np.array([0, 1]), stars=np.array([1.0, 1.0]))[1],
        model.scores(movie_ids=np.array([0, 1]), weights=np.ones(2))[1],
    )
