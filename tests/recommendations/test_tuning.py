"""Self-tuning training: every run searches its hyper-parameters on a validation split of
the ratings it has, within RECOMMENDER_TUNING_SECONDS, and serves what it chose."""

import dataclasses

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from jobs.models import Job
from jobs.progress import NullProgress
from recommendations import evaluation, services
from recommendations.config import DEFAULT_CONFIG, HybridConfig, SimilarConfig
from recommendations.ease import EaseParams
from recommendations.evaluation import Relevance, tune_on_validation
from recommendations.explicit import ExplicitParams
from recommendations.models import TrainingRun
from recommendations.selectors import (
    movie_embedding_matrix,
    rating_triples,
    training_is_provisional,
)
from recommendations.services import training_run_train
from recommendations.serving import ease_model_for, serving_model
from recommendations.tasks import retrain_if_ratings_changed
from recommendations.training import als_fit
from tests.recommendations.conftest import SMALL_EXPLICIT

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
    chosen = HybridConfig.from_json(run.params["hybrid"])
    assert serving_model().config == chosen
    similar = SimilarConfig.from_json(run.params["similar"])
    assert serving_model().similar_config == similar
    assert similar.content_weight in evaluation.SIMILAR_CONTENT_SHARES
    assert run.params["ease"]["l2"] in evaluation.EASE_L2_GRID
    assert run.params["ease"]["rated_weight"] in evaluation.EASE_RATED_WEIGHT_GRID

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
        return evaluation.Tuned()

    monkeypatch.setattr(services, "tune_on_validation", spy)
    training_run_train(progress=NullProgress())

    fit, validation = seen["fit"], seen["validation"]
    pairs = {(r, c) for r, c in zip(fit.rows.tolist(), fit.cols.tolist(), strict=True)}
    held = {(r, c) for r, c in zip(validation.rows.tolist(), validation.cols.tolist(), strict=True)}
    assert held and not pairs & held
    assert len(pairs) + len(held) == len(rating_triples().scores)


def test_before_any_run_the_defaults_train_untuned(world, settings):
    settings.RECOMMENDER_TUNING_SECONDS = 0
    run = training_run_train(progress=NullProgress())

    assert run.params["hybrid"] == DEFAULT_CONFIG.as_json()
    assert run.metrics == {}


def _tune_on_halves(**options):
    """The search, fitting on every other rating and scoring on the rest (k = 5)."""
    triples = rating_triples()
    half = np.arange(len(triples.scores)) % 2 == 0
    return tune_on_validation(
        triples.subset(half),
        triples.subset(~half),
        movie_embedding_matrix(movie_ids=triples.movie_ids),
        5,
        NullProgress(),
        relevance=Relevance.LIKED,
        ease_params=EaseParams(),
        explicit_params=SMALL_EXPLICIT,
        **options,
    )


def test_a_search_out_of_time_keeps_the_best_so_far_and_says_so(world):
    tuned = _tune_on_halves(seconds=0)

    assert tuned.out_of_time
    # Only the starting point of each stage was scored: ALS, one EASE fit at the starting
    # weight of its every-rating part, the blend (the "more like this" search fits
    # nothing and always runs).
    ranked = [(e["algorithm"], e["ease_rated_weight"]) for e in tuned.log if "ndcg" in e]
    start = evaluation.EASE_RATED_WEIGHT_START
    assert ranked == [("als", None), ("ease", start), ("hybrid", start)]
    # No time was left to fit the rating model (at 25M ratings it takes minutes), so the
    # blend it starts from, and serves, has no stars.
    assert tuned.config == dataclasses.replace(evaluation.HYBRID_SEARCH_START, stars_weight=0.0)


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
    monkeypatch.setattr(services, "QUICK_EASE_MAX_ITEMS", 30)  # fewer than the world's 40 films
    quick = training_run_train(progress=NullProgress(), quick=True)

    assert quick.rating_model is not None  # predicted stars from the first model on
    assert quick.params["ease"]["max_items"] == 30
    assert quick.params["explicit"]["iterations"] == services.QUICK_SVDPP_ITERATIONS
    assert ease_model_for(quick.pk).movie_ids.size == 30
    assert training_is_provisional()

    retrain_if_ratings_changed()

    serving = TrainingRun.objects.get(is_serving=True)
    assert serving.pk != quick.pk and "quick" not in serving.params
    assert serving.params["ease"]["max_items"] == 5000
    assert serving.params["explicit"]["iterations"] == ExplicitParams().iterations
    assert not training_is_provisional()


def test_the_search_fits_each_als_candidate_once_and_keeps_the_best_fit(world, monkeypatch):
    fitted = []

    def counting_fit(matrix, params, progress):
        fitted.append(params)
        return als_fit(matrix, params, progress)

    monkeypatch.setattr(evaluation.training, "als_fit", counting_fit)
    tuned = _tune_on_halves()

    scored = [entry for entry in tuned.log if entry.get("algorithm") == "als"]
    # One fit per scored candidate: the winner is not fitted a second time.
    assert len(fitted) == len(scored) > 1
    assert fitted.count(tuned.params) == 1
    # EASE and the blend were searched with the best candidate's model, not the last one's.
    chosen = tuned.params.as_json()
    later = [entry for entry in tuned.log if entry.get("algorithm") in ("ease", "hybrid")]
    assert later and all({**entry, **chosen} == entry for entry in later)
    assert scored[-1]["ndcg"] < max(entry["ndcg"] for entry in scored)  # the last one lost


def test_the_search_tries_every_als_and_ease_value_and_weighs_the_rating_models_stars(world):
    tuned = _tune_on_halves()

    def tried(algorithm, name):
        return {entry[name] for entry in tuned.log if entry.get("algorithm") == algorithm}

    # Factors, regularisation, the stars-to-confidence mapping and iterations: each value
    # of each.
    assert set(evaluation.ALS_GRID) == {
        "factors",
        "regularization",
        "alpha",
        "neutral",
        "iterations",
    }
    for name, values in evaluation.ALS_GRID.items():
        assert set(values) <= tried("als", name), name
        assert getattr(tuned.params, name) in values
    # Every λ at the starting weight of EASE's every-rating fit, then every weight.
    assert tried("ease", "ease_l2") == set(evaluation.EASE_L2_GRID)
    assert tried("ease", "ease_rated_weight") == set(evaluation.EASE_RATED_WEIGHT_GRID)
    assert tried("hybrid", "stars_weight") == set(evaluation.HYBRID_GRID["stars_weight"])
    assert tuned.config.stars_weight in tried("hybrid", "stars_weight")
