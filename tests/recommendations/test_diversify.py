import numpy as np

from recommendations.diversify import mmr


def test_mmr_spreads_a_list_of_near_duplicates():
    vectors = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=np.float32)
    relevance = np.array([1.0, 0.99, 0.98, 0.7], dtype=np.float32)
    assert mmr(relevance, vectors, 2, lam=1.0) == [0, 1]
    assert mmr(relevance, vectors, 2, lam=0.7) == [0, 3]
