"""Self-tuning training: every run searches its hyper-parameters on a validation split of
the ratings it has, within RECOMMENDER_TUNING_SECONDS, and serves what it chose."""

import dataclasses
import itertools
import time

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from prometheus_client import REGISTRY

from jobs.models import Job
from jobs.progress import NullProgress
from ratings.services import rating_upsert
from recommendations import training, tuning
from recommendations.algorithms import als
from recommendations.algorithms.als import AlsModel, AlsParams
from recommendations.algorithms.rating import RatingParams
from recommendations.choice import Choice
from recommendations.config import DEFAULT_HYBRID, HybridParams, SimilarParams
from recommendations.evaluation.offline import OfflineRecommender
from recommendations.evaluation.splits import Relevance
from recommendations.evidence import evidence_from
from recommendations.models import TrainingRun
from recommendations.selectors import (
    RatingTriples,
    movie_embedding_matrix,
    rating_triples,
    training_is_provisional,
    training_search_due,
)
from recommendations.serving import ease_model_for, serving_model
from recommendations.tasks import retrain_if_ratings_changed
from recommendations.training import training_run_train
from tests.recommendations.conftest import SMALL_RATING, tiny_recommender

pytestmark = pytest.mark.django_db


@pytest.fixture
def budget(settings):
    settings.RECOMMENDER_TUNING_SECONDS = 120
    return settings


def test_a_run_tunes_on_validation_stores_its_choice_and_serves_it(world, budget):
    """One search is many fits, so one test follows a tuned run through its reuses."""
    run = training_run_train(progress=NullProgress(), seed=3)

    validation = run.metrics["validation"]
    assert set(validation["ndcg"]) == {"als", "ease", "hybrid"}
    assert 0 < validation["ndcg"]["hybrid"] <= 1
    assert validation["candidates"] > 10 and not validation["out_of_time"]
    assert "per-user 20% holdout" in validation["protocol"]
    chosen = HybridParams.from_json(run.params["hybrid"])
    assert serving_model().config == chosen
    similar = SimilarParams.from_json(run.params["similar"])
    assert serving_model().similar_config == similar
    assert similar.content_weight in tuning.SIMILAR_GRID["content_share"]
    assert run.params["ease"]["l2"] in tuning.EASE_L2_GRID
    assert run.params["ease"]["rated_weight"] in tuning.EASE_RATED_WEIGHT_GRID

    # The same seed chooses the same parameters.
    again = training_run_train(progress=NullProgress(), seed=3)
    assert again.params == run.params
    assert again.metrics["validation"]["ndcg"] == validation["ndcg"]

    # --no-tune, or no budget, reuses the last choice without a search.
    reused = training_run_train(progress=NullProgress(), tune=False)
    assert reused.params == run.params and "validation" not in reused.metrics
    budget.RECOMMENDER_TUNING_SECONDS = 0
    assert training_run_train(progress=NullProgress()).params == run.params


def test_tuning_sees_only_the_ratings_it_splits_never_a_held_out_rating_twice(
    world, budget, monkeypatch
):
    """The search trains on one part and scores on the other: a rating planted in both
    (a leak) would fail here."""
    seen = {}

    def spy(fit, validation, *args, **kwargs):
        seen["fit"], seen["validation"] = fit, validation
        return tuning.Search(choice=Choice())

    monkeypatch.setattr(tuning, "search", spy)
    training_run_train(progress=NullProgress())

    fit, validation = seen["fit"], seen["validation"]
    pairs = {(r, c) for r, c in zip(fit.rows.tolist(), fit.cols.tolist(), strict=True)}
    held = {(r, c) for r, c in zip(validation.rows.tolist(), validation.cols.tolist(), strict=True)}
    assert held and not pairs & held
    assert len(pairs) + len(held) == len(rating_triples().scores)


def test_above_its_bound_the_search_fits_on_a_seeded_sample_of_whole_users(
    world, budget, monkeypatch
):
    """At scale the search's every fit is bounded: it sees every rating of
    TUNING_SAMPLE_USERS users (drawn with the run's seed) and no other."""
    seen = []

    def spy(fit, validation, *args, **kwargs):
        seen.append((fit, validation))
        return tuning.Search(choice=Choice())

    monkeypatch.setattr(tuning, "search", spy)
    monkeypatch.setattr(tuning, "TUNING_SAMPLE_USERS", 12)
    all_ratings = rating_triples()
    for seed in (3, 3, 4):
        training_run_train(progress=NullProgress(), seed=seed)

    (fit, validation), again, other = seen
    assert len(fit.user_ids) == 12 and fit.user_ids.tolist() == validation.user_ids.tolist()
    assert fit.movie_ids.tolist() == all_ratings.movie_ids.tolist()  # the embeddings align
    sampled = np.isin(all_ratings.user_ids[all_ratings.rows], fit.user_ids)
    assert len(fit.scores) + len(validation.scores) == sampled.sum()
    assert validation.scores.size  # the sampled users hold validation ratings out
    assert again[0].user_ids.tolist() == fit.user_ids.tolist()
    assert (again[1].scores == validation.scores).all()
    assert other[0].user_ids.tolist() != fit.user_ids.tolist()


def test_a_choice_made_on_a_sample_scales_the_penalties_that_grow_with_the_users(
    world, budget, monkeypatch
):
    """EASE's λ by the inverse share of the users, ALS's by its square root; the search's
    own log keeps the sample's values."""
    monkeypatch.setattr(tuning, "TUNING_SAMPLE_USERS", 10)  # a third of the world's 30
    run = training_run_train(progress=NullProgress(), seed=3)

    chosen = Choice.from_json(run.params)
    assert any(chosen.ease.l2 == pytest.approx(3 * l2) for l2 in tuning.EASE_L2_GRID)
    assert any(
        chosen.als.regularization == pytest.approx(np.sqrt(3) * regularization)
        for regularization in tuning.ALS_GRID["regularization"]
    )
    assert "fitted on the ratings of 10 of the 30 users" in run.metrics["validation"]["protocol"]


def test_before_any_run_the_defaults_train_untuned(world, settings):
    settings.RECOMMENDER_TUNING_SECONDS = 0
    run = training_run_train(progress=NullProgress())

    assert run.params["hybrid"] == DEFAULT_HYBRID.as_json()
    assert run.metrics == {}


def _tune_on_halves(**options):
    """The search, fitting on every other rating and scoring on the rest (k = 5)."""
    triples = rating_triples()
    half = np.arange(len(triples.scores)) % 2 == 0
    return tuning.search(
        triples.subset(half),
        triples.subset(~half),
        movie_embedding_matrix(movie_ids=triples.movie_ids),
        5,
        NullProgress(),
        relevance=Relevance.LIKED,
        start=Choice(),
        rating_params=SMALL_RATING,
        **options,
    )


def test_a_search_out_of_time_keeps_the_best_so_far_and_says_so(world):
    tuned = _tune_on_halves(seconds=0)

    assert tuned.out_of_time
    # Only the starting point of each stage was scored: ALS, one EASE fit at the starting
    # weight of its every-rating part, the blend (the "more like this" search fits
    # nothing and always runs).
    ranked = [(e["algorithm"], e["ease_rated_weight"]) for e in tuned.log if "ndcg" in e]
    start = tuning.EASE_RATED_WEIGHT_START
    assert ranked == [("als", None), ("ease", start), ("hybrid", start)]
    # No time was left to fit the rating model (at 25M ratings it takes minutes), so the
    # blend it starts from, and serves, has no stars.
    assert tuned.choice.hybrid == dataclasses.replace(tuning.HYBRID_SEARCH_START, stars_weight=0.0)


def test_train_recommender_no_tune_needs_sync(world):
    with pytest.raises(CommandError, match="need --sync"):
        call_command("train_recommender", "--no-tune")
    assert not TrainingRun.objects.exists()


def test_train_recommender_reports_what_validation_chose(world, settings, capsys):
    settings.RECOMMENDER_TUNING_SECONDS = 1  # a short search still reports its choice
    call_command("train_recommender", "--sync", "--seed", "1")

    out = capsys.readouterr().out
    assert "Chosen on validation (per-user 20% holdout" in out and "hybrid 0." in out


def test_a_quick_untuned_model_is_tuned_by_the_next_retrain_check(world, settings):
    settings.RECOMMENDER_TUNING_SECONDS = 1  # a short search is enough to count as tuned
    training_run_train(progress=NullProgress(), tune=False)
    assert training_is_provisional()

    job_id = retrain_if_ratings_changed()

    assert Job.objects.get(pk=job_id).state == Job.State.SUCCEEDED
    serving = TrainingRun.objects.get(is_serving=True)
    assert serving.job_id == job_id and "validation" in serving.metrics
    assert not training_is_provisional()
    assert retrain_if_ratings_changed() is None


def test_without_a_tuning_budget_an_untuned_model_is_left_alone(world, settings):
    settings.RECOMMENDER_TUNING_SECONDS = 0
    training_run_train(progress=NullProgress(), tune=False)

    assert not training_is_provisional()
    assert retrain_if_ratings_changed() is None


def test_a_quick_model_without_predicted_stars_is_completed_even_without_a_budget(world, settings):
    settings.RECOMMENDER_TUNING_SECONDS = 0
    quick = training_run_train(progress=NullProgress(), tune=False, rating_model=False)
    assert quick.rating_model is None and training_is_provisional()

    retrain_if_ratings_changed()

    serving = TrainingRun.objects.get(is_serving=True)
    assert serving.pk != quick.pk and serving.rating_model is not None
    assert not training_is_provisional()


def test_the_quick_model_predicts_stars_cheaply_and_is_completed_even_without_a_budget(
    world, settings, monkeypatch
):
    settings.RECOMMENDER_TUNING_SECONDS = 0
    settings.RECOMMENDER_EASE_MAX_ITEMS = 5000
    monkeypatch.setattr(training, "QUICK_EASE_MAX_ITEMS", 30)  # fewer than the world's 40 films
    quick = training_run_train(progress=NullProgress(), quick=True)

    chosen = Choice.from_json(quick.params)
    assert quick.rating_model is not None  # predicted stars from the first model on
    assert chosen.quick and chosen.ease.max_items == 30
    assert chosen.rating.iterations == training.QUICK_SVDPP_ITERATIONS
    assert ease_model_for(quick.pk).movie_ids.size == 30
    assert training_is_provisional()

    retrain_if_ratings_changed()

    serving = TrainingRun.objects.get(is_serving=True)
    completed = Choice.from_json(serving.params)
    assert serving.pk != quick.pk and not completed.quick
    assert completed.ease.max_items == 5000
    assert completed.rating.iterations == RatingParams().iterations
    assert not training_is_provisional()


def test_the_search_fits_each_als_candidate_once_and_keeps_the_best_fit(world, monkeypatch):
    fitted, real_fit = [], als.als_fit

    def counting_fit(*, ratings, params, progress):
        fitted.append(params)
        return real_fit(ratings=ratings, params=params, progress=progress)

    monkeypatch.setattr(als, "als_fit", counting_fit)
    tuned = _tune_on_halves()

    scored = [entry for entry in tuned.log if entry.get("algorithm") == "als"]
    # One fit per scored candidate: the winner is not fitted a second time.
    assert len(fitted) == len(scored) > 1
    assert fitted.count(tuned.choice.als) == 1
    # EASE and the blend were searched with the best candidate's model, not the last one's.
    chosen = tuned.choice.als.as_json()
    later = [entry for entry in tuned.log if entry.get("algorithm") in ("ease", "hybrid")]
    assert later and all({**entry, **chosen} == entry for entry in later)
    assert scored[-1]["ndcg"] < max(entry["ndcg"] for entry in scored)  # the last one lost


def test_the_search_tries_every_als_and_ease_value_and_weighs_the_rating_models_stars(world):
    tuned = _tune_on_halves()

    def tried(algorithm, name):
        return {entry[name] for entry in tuned.log if entry.get("algorithm") == algorithm}

    # Factors, regularisation, the stars-to-confidence mapping and iterations: each value
    # of each.
    assert set(tuning.ALS_GRID) == {
        "factors",
        "regularization",
        "alpha",
        "neutral",
        "iterations",
    }
    for name, values in tuning.ALS_GRID.items():
        assert set(values) <= tried("als", name), name
        assert getattr(tuned.choice.als, name) in values
    # Every λ at the starting weight of EASE's every-rating fit, then every weight.
    assert tried("ease", "ease_l2") == set(tuning.EASE_L2_GRID)
    assert tried("ease", "ease_rated_weight") == set(tuning.EASE_RATED_WEIGHT_GRID)
    assert tried("hybrid", "stars_weight") == set(tuning.HYBRID_GRID["stars_weight"])
    assert tuned.choice.hybrid.stars_weight in tried("hybrid", "stars_weight")


def _searches(outcome):
    return REGISTRY.get_sample_value("movierec_tuning_searches_total", {"outcome": outcome}) or 0


def test_a_busy_machine_gets_the_same_choice_or_a_run_marked_cut_short(world, budget, monkeypatch):
    """The plan of candidates is fixed, so a slower clock changes nothing until the budget
    stops the search; then the run serves the last complete choice, not a partial one."""
    quiet = training_run_train(progress=NullProgress(), seed=3)
    complete = _searches("complete")

    # Ten times slower, well within a large budget: the same choice.
    budget.RECOMMENDER_TUNING_SECONDS = 100_000
    started = time.monotonic()
    monkeypatch.setattr(tuning, "clock", lambda: started + 10 * (time.monotonic() - started))
    slow = training_run_train(progress=NullProgress(), seed=3)
    assert not slow.metrics["validation"]["out_of_time"]
    assert slow.params == quiet.params
    assert _searches("complete") == complete + 1

    # So slow that each candidate takes the whole budget: cut short, and said so.
    budget.RECOMMENDER_TUNING_SECONDS = 120
    readings = itertools.count(step=1000)
    monkeypatch.setattr(tuning, "clock", lambda: float(next(readings)))
    cut = _searches("cut_short")
    rating_upsert(user=world.space_fans[0], movie=world.romance[5], score="5.0")
    short = training_run_train(progress=NullProgress(), seed=3)
    assert short.metrics["validation"]["out_of_time"]
    assert short.params == quiet.params  # the last complete choice serves
    assert short.is_serving and serving_model().config == HybridParams.from_json(
        quiet.params["hybrid"]
    )
    assert _searches("cut_short") == cut + 1


def test_the_hourly_retrain_reuses_the_last_choice_until_the_search_is_due(world, budget):
    searched = training_run_train(progress=NullProgress(), seed=3)
    assert not training_search_due()  # the same ratings, searched just now

    rating_upsert(user=world.space_fans[0], movie=world.romance[5], score="4.0")
    job_id = retrain_if_ratings_changed()
    reused = TrainingRun.objects.get(is_serving=True)
    assert reused.job_id == job_id and "validation" not in reused.metrics
    assert reused.params == searched.params and not training_is_provisional()

    # A day later (or once the ratings have grown enough) the full search runs again.
    budget.RECOMMENDER_SEARCH_MAX_AGE_HOURS = 0
    assert training_search_due()
    rating_upsert(user=world.space_fans[1], movie=world.romance[6], score="4.5")
    job_id = retrain_if_ratings_changed()
    searched_again = TrainingRun.objects.get(is_serving=True)
    assert searched_again.job_id == job_id and "validation" in searched_again.metrics

    budget.RECOMMENDER_SEARCH_MAX_AGE_HOURS = 24
    assert not training_search_due()
    budget.RECOMMENDER_SEARCH_GROWTH = 0.0  # any new rating is growth enough
    rating_upsert(user=world.space_fans[2], movie=world.romance[7], score="4.5")
    assert training_search_due()


def test_tune_similar_picks_the_weights_with_the_best_objective():
    recommender, held_out = tiny_recommender()

    config, log = tuning.tune_similar(recommender, held_out, k=1, relevance=Relevance.LIKED, seed=0)

    assert len(log) == np.prod([len(values) for values in tuning.SIMILAR_GRID.values()])
    best = max(entry["objective"] for entry in log)
    # Every film has fewer than 5 ratings (-1 a slot); 10 -> 11 and 12 -> 13 both found,
    # and both are the ALS neighbours the collaborative row lists (-1).
    assert best == pytest.approx(-1.0 + 1.0 - 1.0)
    first_best = next(entry for entry in log if entry["objective"] == best)["similar"]
    assert dataclasses.asdict(config) == first_best


def franchise_or_blockbuster() -> tuple[OfflineRecommender, RatingTriples]:
    """Space Saga (1), its sequel Space Saga 2 (2) and Blockbuster (3), which everyone
    rated and which is nearest to Space Saga by both vectors. User 0 liked Space Saga and
    holds out Blockbuster (5 stars): held-out likes alone would list it."""
    users = np.array([0, 0, *np.repeat(np.arange(1, 7), 3)])
    movies = np.array([1, 3, *np.tile([1, 2, 3], 6)])
    scores = np.array([5.0, 5.0, *np.tile([3.0, 4.0, 4.0], 6)])
    triples = RatingTriples.from_arrays(users, movies, scores)
    held = np.zeros(len(users), dtype=bool)
    held[1] = True
    train = triples.subset(~held)
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]])
    model = AlsModel.build(params=AlsParams(), movie_ids=train.movie_ids, item_factors=vectors)
    recommender = OfflineRecommender(train=train, embeddings=vectors, model=model)
    recommender.evidence = evidence_from(
        movie_ids=train.movie_ids,
        titles=["Space Saga", "Space Saga 2", "Blockbuster"],
        genres=[["Sci-Fi", "Action"], ["Sci-Fi", "Action"], ["Drama", "Action"]],
        terms=[[], [], []],
    )
    return recommender, triples.subset(held)


def test_the_similar_objective_ranks_a_franchise_above_a_popular_held_out_like():
    recommender, held_out = franchise_or_blockbuster()
    gains = [tuning.similar_gains(recommender, 0)]

    # The sequel: Space Saga's distinctive genre (Sci-Fi) and its franchise, 6 ratings.
    sequel = tuning.similar_objective(recommender, gains, [[2]], [{3}], also_liked=[{3}], k=1)
    # Blockbuster: a held-out like, but only Action, which every film has, and what the
    # collaborative row lists already.
    blockbuster = tuning.similar_objective(recommender, gains, [[3]], [{3}], also_liked=[{3}], k=1)

    assert sequel == pytest.approx(2.0)
    assert blockbuster == pytest.approx(1.0 - 1.0)


def test_tune_similar_chooses_weights_that_list_the_franchise():
    recommender, held_out = franchise_or_blockbuster()

    config, log = tuning.tune_similar(recommender, held_out, k=1, relevance=Relevance.LIKED, seed=0)

    assert config.franchise_weight > 0
    assert recommender.similar_ranked(0, recommender.likeness(0), k=1, config=config) == [2]
    # Without the franchise the vectors and the priors list Blockbuster, for less.
    unaware = dataclasses.replace(config, franchise_weight=0.0)
    assert recommender.similar_ranked(0, recommender.likeness(0), k=1, config=unaware) == [3]
    assert max(entry["objective"] for entry in log) == pytest.approx(2.0)


def test_calibration_takes_the_least_miscalibrated_weight_that_costs_little_ndcg():
    """Validation figures per λ: 0.3 is the least miscalibrated within the allowed cost;
    0.5 and 0.6 are less miscalibrated still, but cost more nDCG than the search allows."""
    cost = tuning.CALIBRATION_NDCG_COST
    figures = {
        0.0: (0.300, 1.0),
        0.1: (0.301, 0.8),
        0.2: (0.300 - cost / 2, 0.7),
        0.3: (0.300 - cost, 0.6),
        0.4: (0.299, 0.65),
        0.5: (0.300 - 2 * cost, 0.5),
        0.6: (0.290, 0.4),
    }
    recommender, tried = tiny_recommender()[0], []

    def measure(recommender, algorithm):
        weight = recommender.config.calibration_weight
        tried.append((weight, recommender.profiles is not None))
        ndcg, miscalibration = figures[weight]
        return {"ndcg": ndcg, "miscalibration": miscalibration}

    blend = dataclasses.replace(DEFAULT_HYBRID, als_weight=0.6)
    config, ndcg = tuning._calibration_stage(recommender, blend, measure, lambda: False)

    assert [weight for weight, _ in tried] == list(tuning.CALIBRATION_GRID)
    assert all(kept for _, kept in tried)  # profiles are kept while only λ changes
    assert config == dataclasses.replace(blend, calibration_weight=0.3)
    assert ndcg == figures[0.3][0] and recommender.config == config
    assert recommender.profiles is None
