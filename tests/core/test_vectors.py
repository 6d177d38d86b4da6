import numpy as np

from core.vectors import top_k, top_k_sorted


def test_top_k_keeps_the_best_finite_scores_and_never_more_than_there_are():
    scores = np.array([0.2, -np.inf, 0.9, 0.5, -np.inf])

    assert sorted(top_k(scores, 2).tolist()) == [2, 3]
    assert sorted(top_k(scores, 10).tolist()) == [0, 2, 3]  # the -inf are never picked
    assert top_k(np.full(3, -np.inf), 2).tolist() == []
    assert top_k(scores, 0).tolist() == []


def test_top_k_sorted_is_best_first_with_ties_by_index():
    scores = np.array([0.5, 0.9, 0.5, -np.inf, 0.1])

    assert top_k_sorted(scores, 3).tolist() == [1, 0, 2]
    assert top_k_sorted(scores, 10).tolist() == [1, 0, 2, 4]
