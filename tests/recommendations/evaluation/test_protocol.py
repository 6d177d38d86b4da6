"""The protocol: split, choose on validation, refit, score on test."""

import numpy as np
import pytest

from recommendations import tuning
from recommendations.algorithms.rating import RatingParams, rating_fit
from recommendations.choice import Choice
from recommendations.config import Algorithm, SimilarParams
from recommendations.evaluation.metrics import (
    rating_errors,
)
from recommendations.evaluation.offline import OfflineRecommender
from recommendations.evaluation.protocol import (
    evaluate,
    evaluate_seeds,
    score_lists,
    score_ratings,
    score_similar,
)
from recommendations.evaluation.splits import (
    Relevance,
    Split,
    holdout_split,
    make_splits,
    split_masks,
)
from recommendations.selectors import movie_embedding_matrix, rating_triples
from recommendations.types import RatingTriples
from tests.recommendations.conftest import tiny_recommender


@pytest.mark.django_db
def test_evaluation_on_clear_tastes_beats_popularity(world):
    triples = rating_triples()
    report = evaluate_seeds(
        seeds=[3, 4],
        triples=triples,
        embeddings=movie_embedding_matrix(movie_ids=triples.movie_ids),
        algorithms=tuple(Algorithm),
        k=5,
    )

    results = report.reports[0].results
    assert set(results) == {"popularity", "content", "als", "hybrid", "ease"}
    assert results["hybrid"]["ndcg"] > results["popularity"]["ndcg"]
    assert results["content"]["ndcg"] > results["popularity"]["ndcg"]
    assert results["ease"]["ndcg"] > results["popularity"]["ndcg"]
    assert 0 < results["hybrid"]["coverage"] <= 1
    assert set(report.reports[0].ratings) == {"bias_baseline", "svd_pp", "item_knn", "blend"}
    table = report.table()
    assert "| hybrid |" in table and " ± " in table and "per-user 20% holdout" in table
    # Seed by seed: the hybrid against every other list of that seed.
    for one in report.reports:
        ndcg = {name: values["ndcg"] for name, values in one.results.items()}
        beats = ndcg["hybrid"] > max(v for name, v in ndcg.items() if name != "hybrid")
        cells = " | ".join(f"{ndcg[name]:.4f}" for name in one.results)
        assert f"| {one.seed} | {cells} | {'yes' if beats else '**no**'} |" in table


def test_rating_models_predict_a_constant_world_exactly():
    users, movies = np.repeat(np.arange(4), 3), np.tile(np.arange(3), 4)
    triples = RatingTriples.from_arrays(users, movies, np.full(12, 4.0))
    held = np.arange(12) % 3 == 0

    train = triples.subset(~held)
    model = rating_fit(triples=train, params=RatingParams(factors=2))

    errors = score_ratings(train=train, test=triples.subset(held), model=model)

    assert set(errors) == {"bias_baseline", "svd_pp", "item_knn", "blend"}
    for values in errors.values():
        assert values == pytest.approx({"rmse": 0.0, "mae": 0.0}, abs=1e-6)


def test_rating_rows_are_the_parts_of_one_fit_and_the_blend_is_what_is_served():
    rng = np.random.default_rng(0)
    tastes = rng.standard_normal((40, 2)) @ rng.standard_normal((2, 30))
    users, movies = np.nonzero(rng.random((40, 30)) < 0.5)
    stars = np.clip(np.round((3.5 + tastes[users, movies]) * 2) / 2, 0.5, 5.0)
    triples = RatingTriples.from_arrays(users, movies, stars)
    train, held = holdout_split(triples, fraction=0.2, seed=0)
    params = RatingParams(factors=2, reg_factors=2.0, reg_implicit=2.0, iterations=50)
    train, test = triples.subset(train), triples.subset(held)

    model = rating_fit(triples=train, params=params)

    errors = score_ratings(train=train, test=test, model=model)

    served = np.empty(len(test.scores))
    for row in range(len(test.user_ids)):
        mine, theirs = train.rows == row, test.rows == row
        served[theirs] = model.predict(
            user_movie_ids=train.movie_ids[train.cols[mine]],
            user_scores=train.scores[mine],
            movie_ids=test.movie_ids[test.cols[theirs]],
        )
    assert errors["blend"] == pytest.approx(rating_errors(predicted=served, actual=test.scores))
    for name in ("svd_pp", "item_knn", "blend"):
        assert errors[name]["rmse"] < errors["bias_baseline"]["rmse"]


def test_more_like_this_scores_the_neighbours_of_a_liked_training_film():
    recommender, test = tiny_recommender()

    assert recommender.similar(movie_id=10, method=Algorithm.CONTENT, k=2) == [11, 13]
    assert recommender.similar(movie_id=12, method=Algorithm.ALS, k=1) == [13]
    scores = score_similar(
        recommender,
        test,
        methods=[Algorithm.CONTENT, Algorithm.ALS],
        k=1,
        relevance=Relevance.LIKED,
        seed=0,
    )
    # Queries: user 1 -> 10 (neighbour 11, held out 4.5: hit); user 2 -> 12 (neighbour 13,
    # held out 5.0: hit). User 3 liked nothing in training.
    assert scores["content"] == {"hits": 1.0, "hit_rate": 1.0, "queries": 2}
    assert scores["als"] == {"hits": 1.0, "hit_rate": 1.0, "queries": 2}


def test_ndcg_is_reported_by_how_many_training_ratings_a_user_has():
    recommender, test = tiny_recommender()

    scores = score_lists(recommender, test, Algorithm.CONTENT, 1, relevance=Relevance.ANY)

    # Users 1 and 2 each have one training rating; user 3 holds nothing out. User 1's top
    # pick by content is 11 (held out: gain 1), user 2's is 13 (held out: gain 1).
    assert scores["ndcg_by_activity"] == {"1-4": 1.0, "5-19": None, "20-99": None, "100+": None}


@pytest.mark.django_db  # "more like this" reads the films' similarity evidence
@pytest.mark.parametrize("split", list(Split))
def test_tuning_never_sees_the_test_split(split, monkeypatch):
    """A marker movie planted exactly on the test ratings must not reach the tuning."""
    rng = np.random.default_rng(0)
    users = np.repeat(np.arange(8), 10)
    movies = np.concatenate([rng.choice(30, 10, replace=False) for _ in range(8)])
    scores = rng.choice([1.0, 3.0, 4.0, 5.0], len(users))
    _, test = split_masks(RatingTriples.from_arrays(users, movies, scores), split=split, seed=5)
    movies = np.where(test, 999, movies)  # the split depends on the rows only, not the movies
    triples = RatingTriples.from_arrays(users, movies, scores)
    seen = []

    def spy(fit, validation, *args, **kwargs):
        seen.extend([fit, validation])
        return tuning.Search(choice=Choice())

    report = evaluate(
        triples=triples,
        embeddings=np.zeros((len(triples.movie_ids), 2)),
        algorithms=[Algorithm.POPULARITY],
        k=3,
        seed=5,
        split=split,
        choose=spy,
    )

    assert report.results["popularity"]["users"] > 0
    planted = make_splits(triples, split=split, seed=5)
    assert set(planted.test.movie_ids[planted.test.cols]) == {999}
    assert len(seen) == 2
    for part in seen:
        assert 999 not in part.movie_ids[part.cols]


def test_the_more_like_this_weights_are_tuned_without_the_test_split(monkeypatch):
    """A marker movie planted exactly on the test ratings never reaches `tune_similar`,
    and the weights it returns are the ones the test split is scored with."""
    rng = np.random.default_rng(1)
    users = np.repeat(np.arange(12), 12)
    movies = np.concatenate([rng.choice(40, 12, replace=False) for _ in range(12)])
    scores = rng.choice([2.0, 4.0, 4.5, 5.0], len(users))
    original = RatingTriples.from_arrays(users, movies, scores)
    _, test = split_masks(original, split=Split.USER, seed=2)
    movies = np.where(test, 999, movies)
    triples = RatingTriples.from_arrays(users, movies, scores)
    seen, chosen = (
        [],
        SimilarParams(content_weight=0.25, collaborative_weight=0.75, quality_weight=0.05),
    )
    scored_with = []

    def spy(recommender, validation, **kwargs):
        seen.extend([recommender.train, validation])
        return chosen, []

    def similar_spy(self, *, movie_id, method, k):
        scored_with.append(self.similar_config)
        return []

    monkeypatch.setattr(tuning, "tune_similar", spy)
    monkeypatch.setattr(tuning, "ALS_GRID", {})
    monkeypatch.setattr(tuning, "HYBRID_GRID", {})
    monkeypatch.setattr(OfflineRecommender, "similar", similar_spy)
    report = evaluate(
        triples=triples,
        embeddings=np.zeros((len(triples.movie_ids), 2)),
        algorithms=[Algorithm.POPULARITY],
        k=3,
        seed=2,
        choose=tuning.search,
    )

    assert len(seen) == 2
    for part in seen:
        assert 999 not in part.movie_ids[part.cols]
    assert report.similar_config == chosen and scored_with and set(scored_with) == {chosen}
    assert report.as_json()["similar_weights"]["content_weight"] == 0.25
