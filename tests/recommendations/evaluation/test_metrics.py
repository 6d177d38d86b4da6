"""The offline metrics on hand-computed examples."""

import numpy as np
import pytest

from recommendations.evaluation.metrics import (
    coverage,
    intra_list_diversity,
    item_novelty,
    mean_over_recommended,
    neighbour_hits,
    personalisation,
    ranking_metrics,
    rating_errors,
    standard_error,
)


def test_ranking_metrics_on_a_hand_computed_example():
    # User A: relevant {1, 3}; list [1, 2, 3] -> hits at ranks 1 and 3.
    # User B: relevant {9}; list [4, 5, 6] -> no hit.
    # User C: no relevant items -> not counted.
    metrics = ranking_metrics([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [{1, 3}, {9}, set()], k=3)

    ndcg_a = (1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    assert metrics["precision"] == pytest.approx((2 / 3 + 0) / 2)
    assert metrics["recall"] == pytest.approx((1 + 0) / 2)
    assert metrics["ndcg"] == pytest.approx(ndcg_a / 2)  # 0.4598...
    assert metrics["map"] == pytest.approx(((1 + 2 / 3) / 2) / 2)  # 0.41666...
    assert metrics["hit_rate"] == pytest.approx(0.5)


def test_a_perfect_list_scores_one_even_with_more_relevant_than_k():
    metrics = ranking_metrics([[1, 2]], [{1, 2, 3, 4}], k=2)
    assert metrics["ndcg"] == pytest.approx(1.0)
    assert metrics["map"] == pytest.approx(1.0)
    assert metrics["recall"] == pytest.approx(0.5)


def test_coverage_and_diversity():
    assert coverage([[1, 2], [2, 3]], catalogue_size=10) == pytest.approx(0.3)
    vectors = {1: np.array([1.0, 0.0]), 2: np.array([1.0, 0.0]), 3: np.array([0.0, 1.0])}
    # List [1, 2]: identical -> 0. List [1, 3]: orthogonal -> 1. Item 4 has no embedding.
    assert intra_list_diversity([[1, 2], [1, 3, 4], [4]], vectors) == pytest.approx(0.5)


def test_personalisation_is_one_minus_the_mean_pairwise_overlap_share():
    assert personalisation([[1, 2], [1, 2]], k=2) == pytest.approx(0.0)
    assert personalisation([[1, 2], [3, 4]], k=2) == pytest.approx(1.0)
    # Pairs (A, B) share 1 of 2, (A, C) and (B, C) nothing: mean overlap 1/6.
    assert personalisation([[1, 2], [1, 3], [4, 5]], k=2) == pytest.approx(5 / 6)


def test_novelty_is_the_mean_surprisal_of_the_recommended_items():
    movie_ids = np.array([10, 20, 30, 40])
    # Rated by 4, 2, 1 and 0 of 4 training users: 0, 1, 2 bits, and 2 for the unrated one.
    novelty = item_novelty(np.array([4, 2, 1, 0]), users=4)
    assert novelty.tolist() == pytest.approx([0.0, 1.0, 2.0, 2.0])
    assert mean_over_recommended(
        [[10, 20], [30]], movie_ids=movie_ids, values=novelty
    ) == pytest.approx(1.0)


def test_standard_error_is_the_sample_std_over_root_n():
    assert standard_error([1.0, 2.0, 3.0]) == pytest.approx(1 / np.sqrt(3))
    with pytest.raises(ValueError):
        standard_error([1.0])


def test_rmse_and_mae_on_a_hand_example():
    errors = rating_errors(predicted=np.array([3.0, 4.0, 5.0]), actual=np.array([4.0, 4.0, 3.0]))
    assert errors["rmse"] == pytest.approx(np.sqrt(5 / 3))  # errors -1, 0, 2
    assert errors["mae"] == pytest.approx(1.0)


def test_neighbour_hits_counts_the_top_k_among_the_relevant():
    hits = neighbour_hits([[1, 2, 3], [4, 5, 6]], [{2, 3, 9}, {7}], k=2)
    assert hits == pytest.approx({"hits": 0.5, "hit_rate": 0.5})  # 3 is beyond k = 2
