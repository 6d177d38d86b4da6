import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from recommendations.profile import confidence, fold_in


def test_confidence_treats_neutral_and_below_as_not_a_like():
    scores = np.array([0.5, 1.0, 2.5, 3.0, 3.5, 4.0, 5.0])
    assert confidence(scores, alpha=2.0, neutral=3.0).tolist() == [0, 0, 0, 0, 2.0, 3.0, 5.0]
    assert confidence(scores, alpha=1.0, neutral=2.5).tolist() == [0, 0, 0, 1.5, 2.0, 2.5, 3.5]


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
