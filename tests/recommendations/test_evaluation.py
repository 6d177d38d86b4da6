import dataclasses

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jobs.progress import NullProgress
from recommendations import tuning
from recommendations.algorithms.als import AlsParams
from recommendations.algorithms.ease import EaseParams, ease_fit
from recommendations.algorithms.popularity import bayesian_ratings
from recommendations.algorithms.rating import RatingParams, rating_fit
from recommendations.choice import Choice
from recommendations.config import Algorithm, SimilarParams
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
    random_split,
    relevant_sets,
    split_masks,
)
from recommendations.models import TrainingRun
from recommendations.selectors import RatingTriples, movie_embedding_matrix, rating_triples
from recommendations.serving import ServingModel
from tests.recommendations.conftest import SMALL_RATING


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


def test_holdout_from_at_most_max_users_and_unchanged_under_the_cap():
    users = np.repeat(np.arange(6), 10)
    triples = RatingTriples.from_arrays(users, np.arange(60), np.full(60, 4.0))

    _, held = holdout_split(triples, fraction=0.2, seed=1, max_users=2)

    per_user = np.bincount(triples.rows[held], minlength=6)
    assert sorted(per_user.tolist()) == [0, 0, 0, 0, 2, 2]
    assert (holdout_split(triples, fraction=0.2, seed=1, max_users=2)[1] == held).all()
    uncapped = holdout_split(triples, fraction=0.2, seed=1)[1]
    assert (holdout_split(triples, fraction=0.2, seed=1, max_users=6)[1] == uncapped).all()


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


@pytest.mark.django_db
def test_evaluate_command_prints_the_table_and_stores_it_on_the_serving_model(trained, capsys):
    call_command(
        "evaluate",
        *("--algorithms", "popularity,hybrid", "--k", "5", "--no-tune"),
        *("--split", "random", "--relevance", "any", "--seeds", "2", "--seed", "1"),
    )

    out = capsys.readouterr().out
    assert "| popularity |" in out and "| hybrid |" in out and "ndcg@5" in out
    assert "random 75%/25% split" in out and "every held-out rating" in out and " ± " in out
    stored = TrainingRun.objects.get(pk=trained.pk).metrics["evaluation"]
    assert set(stored["results"]) == {"popularity", "hybrid"} and stored["k"] == 5
    assert stored["seeds"] == [1, 2] and stored["split"] == "random"
    assert stored["standard_errors"]["results"]["hybrid"]["ndcg"] >= 0


@pytest.mark.django_db
def test_evaluate_command_no_store_leaves_the_serving_model_alone(trained):
    call_command("evaluate", "--algorithms", "popularity", "--k", "5", "--no-tune", "--no-store")

    assert "evaluation" not in TrainingRun.objects.get(pk=trained.pk).metrics


@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [
        ("--split", "temporal", "user, random"),
        ("--relevance", "loved", "liked, any"),
        ("--algorithms", "als,svd", "popularity, content, als, ease, hybrid"),
    ],
)
def test_evaluate_command_rejects_bad_values_with_the_choices(option, value, choices):
    with pytest.raises(CommandError, match=f"{option}: .*choose from {choices}"):
        call_command("evaluate", option, value)


def test_random_split_holds_out_a_quarter_of_all_ratings_and_is_seeded():
    users = np.repeat([1, 2, 3, 4], [10, 6, 3, 1])  # 20 ratings; user 4 has one
    triples = RatingTriples.from_arrays(users, np.arange(20), np.full(20, 4.0))

    train, held = random_split(triples, fraction=0.25, seed=1)

    assert held.sum() == 5 and (train == ~held).all()  # 25% of 20, whoever they belong to
    assert (random_split(triples, fraction=0.25, seed=1)[1] == held).all()
    assert not (random_split(triples, fraction=0.25, seed=2)[1] == held).all()
    # The validation split is carved the same way from the 15 training ratings: 4 of them.
    splits = make_splits(triples, split=Split.RANDOM, seed=1)
    assert (len(splits.test.scores), len(splits.fit.scores), len(splits.validation.scores)) == (
        5,
        11,
        4,
    )


def test_relevance_liked_keeps_four_stars_and_up_any_keeps_every_held_out_rating():
    held = RatingTriples.from_arrays(
        np.array([1, 1, 1, 2]), np.array([10, 20, 30, 10]), np.array([5.0, 3.5, 4.0, 1.0])
    )

    assert relevant_sets(held, relevance=Relevance.LIKED) == [{10, 30}, set()]
    assert relevant_sets(held, relevance=Relevance.ANY) == [{10, 20, 30}, {10}]


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


def test_bayesian_rating_shrinks_towards_the_mean_with_the_catalogue_prior():
    # One 5-star rating, and 19 ratings of 3: overall mean 62 / 20 = 3.1, prior 20 ratings.
    ratings = bayesian_ratings(sums=np.array([5.0, 57.0]), counts=np.array([1, 19]))
    assert ratings.tolist() == pytest.approx([(3.1 * 20 + 5) / 21, (3.1 * 20 + 57) / 39])


def test_standard_error_is_the_sample_std_over_root_n():
    assert standard_error([1.0, 2.0, 3.0]) == pytest.approx(1 / np.sqrt(3))
    with pytest.raises(ValueError):
        standard_error([1.0])


def test_rmse_and_mae_on_a_hand_example():
    errors = rating_errors(predicted=np.array([3.0, 4.0, 5.0]), actual=np.array([4.0, 4.0, 3.0]))
    assert errors["rmse"] == pytest.approx(np.sqrt(5 / 3))  # errors -1, 0, 2
    assert errors["mae"] == pytest.approx(1.0)


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


def test_neighbour_hits_counts_the_top_k_among_the_relevant():
    hits = neighbour_hits([[1, 2, 3], [4, 5, 6]], [{2, 3, 9}, {7}], k=2)
    assert hits == pytest.approx({"hits": 0.5, "hit_rate": 0.5})  # 3 is beyond k = 2


def _tiny_recommender() -> tuple[OfflineRecommender, RatingTriples]:
    """Movies 10..13: 10 and 11 alike (embeddings and factors), 12 and 13 alike.
    User 1 liked 10 in training and holds out 11 (4.5) and 13 (2.0); user 2 liked 12 and
    holds out 13 (5.0); user 3 only rated 11, badly."""
    users = np.array([1, 1, 1, 2, 2, 3])
    movies = np.array([10, 11, 13, 12, 13, 11])
    scores = np.array([5.0, 4.5, 2.0, 4.0, 5.0, 1.0])
    triples = RatingTriples.from_arrays(users, movies, scores)
    held = np.array([False, True, True, False, True, False])
    train = triples.subset(~held)
    close = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8]])
    model = ServingModel.build(
        run_id=0, params=AlsParams(), movie_ids=train.movie_ids, item_factors=close * 2
    )
    return OfflineRecommender(train=train, embeddings=close, model=model), triples.subset(held)


def test_more_like_this_scores_the_neighbours_of_a_liked_training_film():
    recommender, test = _tiny_recommender()

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
    recommender, test = _tiny_recommender()

    scores = score_lists(recommender, test, Algorithm.CONTENT, 1, relevance=Relevance.ANY)

    # Users 1 and 2 each have one training rating; user 3 holds nothing out. User 1's top
    # pick by content is 11 (held out: gain 1), user 2's is 13 (held out: gain 1).
    assert scores["ndcg_by_activity"] == {"1-4": 1.0, "5-19": None, "20-99": None, "100+": None}


def test_ease_recommends_only_unseen_items():
    recommender, _ = _tiny_recommender()
    recommender.ease = ease_fit(ratings=recommender.train, params=EaseParams(l2=1.0))

    assert 10 not in recommender.recommend(0, Algorithm.EASE, 3)
    assert recommender.similar(movie_id=10, method=Algorithm.EASE, k=2) == []  # no co-likes of 10


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


def test_hybrid_more_like_this_blends_the_served_scores():
    recommender, _ = _tiny_recommender()
    recommender.similar_config = SimilarParams(
        content_weight=1.0, collaborative_weight=0.0, quality_weight=0.0
    )
    assert recommender.similar(movie_id=10, method=Algorithm.HYBRID, k=3) == [11, 13, 12]
    recommender.similar_config = SimilarParams(
        content_weight=0.0, collaborative_weight=0.0, quality_weight=1.0
    )
    # Training means: 10 → 5.0, 12 → 4.0, 11 → 1.0 (13 unrated in training: the mean).
    assert recommender.similar(movie_id=10, method=Algorithm.HYBRID, k=3) == [12, 13, 11]


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


def test_tune_similar_picks_the_weights_with_the_most_validation_hits():
    recommender, held_out = _tiny_recommender()

    config, log = tuning.tune_similar(recommender, held_out, k=1, relevance=Relevance.LIKED, seed=0)

    assert len(log) == len(tuning.SIMILAR_CONTENT_SHARES) * len(tuning.SIMILAR_QUALITY_WEIGHTS)
    best = max(entry["hits"] for entry in log)
    assert best == 1.0  # 10 -> 11 and 12 -> 13 both found
    first_best = next(entry for entry in log if entry["hits"] == best)["similar"]
    assert dataclasses.asdict(config) == first_best


@pytest.mark.django_db
def test_profiles_kept_between_blends_give_the_lists_of_fresh_ones(world):
    """The blend search keeps each user's profile, predicted stars included, while only
    the blend changes; its lists must be those a fresh profile gives."""
    triples = rating_triples()
    half = np.arange(len(triples.scores)) % 2 == 0
    recommender = OfflineRecommender.fit(
        triples.subset(half),
        movie_embedding_matrix(movie_ids=triples.movie_ids),
        AlsParams(factors=4, iterations=5),
        NullProgress(),
        ease_params=EaseParams(),
        rating_params=SMALL_RATING,
    )
    start = tuning.HYBRID_SEARCH_START
    blends = [
        dataclasses.replace(start, stars_weight=0.4),
        dataclasses.replace(start, als_weight=0.0, content_weight=0.2, stars_weight=0.1),
    ]
    users = [u for u, ratings in enumerate(recommender.by_user) if len(ratings)]

    def lists(config):
        recommender.config = config
        return [recommender.recommend(u, Algorithm.HYBRID, 5) for u in users]

    fresh = [lists(config) for config in blends]
    assert fresh[0] != fresh[1]  # the blends differ, so a stale profile would show

    recommender.profiles = {}
    assert [lists(config) for config in blends] == fresh
    assert len(recommender.profiles) == len(users)
