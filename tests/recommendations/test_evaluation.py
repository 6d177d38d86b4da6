import numpy as np
import pytest
from django.core.management import call_command

from recommendations.config import Algorithm
from recommendations.evaluation import (
    coverage,
    evaluate,
    holdout_split,
    intra_list_diversity,
    ranking_metrics,
)
from recommendations.models import TrainingRun
from recommendations.selectors import RatingTriples, movie_embedding_matrix, rating_triples


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


def test_holdout_takes_a_fifth_of_each_eligible_user_and_is_seeded():
    users = np.repeat([1, 2, 3], [10, 5, 4])
    triples = RatingTriples.from_arrays(users, np.arange(19), np.full(19, 4.0))

    train, held = holdout_split(triples, fraction=0.2, seed=1)

    assert np.bincount(triples.rows[held], minlength=3).tolist() == [2, 1, 0]  # 4 ratings: too few
    assert (train == ~held).all()
    assert (holdout_split(triples, fraction=0.2, seed=1)[1] == held).all()
    assert not (holdout_split(triples, fraction=0.2, seed=2)[1] == held).all()


@pytest.mark.django_db
def test_evaluation_on_clear_tastes_beats_popularity(world):
    triples = rating_triples()
    report = evaluate(
        triples=triples,
        embeddings=movie_embedding_matrix(movie_ids=triples.movie_ids),
        algorithms=list(Algorithm),
        k=5,
        seed=3,
        tune=False,
    )

    results = report.results
    assert set(results) == {"popularity", "content", "als", "hybrid"}
    assert results["hybrid"]["ndcg"] > results["popularity"]["ndcg"]
    assert results["content"]["ndcg"] > results["popularity"]["ndcg"]
    assert 0 < results["hybrid"]["coverage"] <= 1
    assert "| hybrid |" in report.table()


@pytest.mark.django_db
def test_evaluate_command_prints_the_table_and_stores_it_on_the_serving_model(trained, capsys):
    call_command("evaluate", "--algorithms", "popularity,hybrid", "--k", "5", "--no-tune")

    out = capsys.readouterr().out
    assert "| popularity |" in out and "| hybrid |" in out and "ndcg@5" in out
    stored = TrainingRun.objects.get(pk=trained.pk).metrics["evaluation"]
    assert set(stored["results"]) == {"popularity", "hybrid"} and stored["k"] == 5
