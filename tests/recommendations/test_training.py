import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from prometheus_client import REGISTRY

from catalog.models import Movie
from jobs.progress import NullProgress
from ratings.services import rating_upsert
from recommendations import serving
from recommendations.algorithms import als
from recommendations.models import TrainingRun
from recommendations.selectors import training_is_stale
from recommendations.services import training_run_activate, training_run_rollback
from recommendations.training import training_run_train
from tests.recommendations.conftest import SMALL_ALS


@pytest.mark.django_db
def test_training_records_a_serving_version_with_counts_and_watermark(world):
    run = training_run_train(progress=NullProgress(), params=SMALL_ALS)

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert run.is_serving
    assert (run.user_count, run.item_count, run.rating_count) == (30, 40, 450)
    assert run.ratings_seen == 450 and run.ratings_updated_at is not None
    assert run.params["factors"] == 8 and run.duration_seconds > 0
    assert serving.serving_model().item_factors.shape == (40, 8)
    assert not training_is_stale()

    rating_upsert(user=world.space_fans[0], movie=world.romance[0], score="3.5")
    assert training_is_stale()


@pytest.mark.django_db
def test_training_fits_ease_over_the_most_rated_films_and_serves_it(world, settings):
    settings.RECOMMENDER_EASE_MAX_ITEMS = 25
    run = training_run_train(progress=NullProgress(), params=SMALL_ALS)

    ease = serving.ease_model_for(run.pk)
    assert run.params["ease"]["max_items"] == 25
    assert len(ease.movie_ids) == 25
    counts = dict(Movie.objects.values_list("pk", "rating_count"))
    kept = sorted(counts[m] for m in ease.movie_ids.tolist())
    dropped = sorted(c for m, c in counts.items() if m not in set(ease.movie_ids.tolist()))
    assert kept[0] >= dropped[-1]  # the 25 most-rated films, no less-rated one instead
    # A space fan's likes push space films up, never romance ones.
    fan = world.space_fans[0]
    rated = list(fan.ratings.values_list("movie_id", "score"))
    movie_ids, scores = ease.user_scores(
        movie_ids=np.array([m for m, _ in rated]),
        stars=np.array([float(s) for _, s in rated], dtype=np.float32),
    )
    best = movie_ids[np.argsort(-scores)[:5]]
    assert set(best.tolist()) <= {m.pk for m in world.space}


@pytest.mark.django_db
def test_a_new_version_switches_serving_atomically(trained):
    newer = training_run_train(progress=NullProgress(), params=SMALL_ALS)

    assert list(TrainingRun.objects.filter(is_serving=True)) == [newer]
    assert serving.serving_model().run_id == newer.pk


@pytest.mark.django_db
def test_the_database_allows_at_most_one_serving_version(trained):
    second = training_run_train(progress=NullProgress(), params=SMALL_ALS)
    with pytest.raises(IntegrityError, match="one_serving_training_run"), transaction.atomic():
        TrainingRun.objects.filter(pk=trained.pk).update(is_serving=True)
    assert TrainingRun.objects.get(is_serving=True) == second


@pytest.mark.django_db
def test_a_failed_run_keeps_the_previous_version_serving(trained, monkeypatch):
    def broken_fit(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(als, "als_fit", broken_fit)

    with pytest.raises(RuntimeError):
        training_run_train(progress=NullProgress(), params=SMALL_ALS)

    failed = TrainingRun.objects.exclude(pk=trained.pk).get()
    assert failed.status == TrainingRun.Status.FAILED
    assert failed.error == "RuntimeError: out of memory"
    assert failed.finished_at is not None and not failed.is_serving
    assert TrainingRun.objects.get(is_serving=True) == trained
    assert serving.serving_model().run_id == trained.pk
    with pytest.raises(ValidationError, match="only succeeded runs can serve"):
        training_run_activate(run=failed)


@pytest.mark.django_db
def test_training_without_likes_fails_cleanly(db):
    with pytest.raises(ValueError, match="No ratings above the neutral score"):
        training_run_train(progress=NullProgress(), params=SMALL_ALS)
    assert TrainingRun.objects.get().status == TrainingRun.Status.FAILED


@pytest.mark.django_db
def test_rollback_serves_the_previous_succeeded_version(trained):
    newer = training_run_train(progress=NullProgress(), params=SMALL_ALS)

    assert training_run_rollback() == trained
    assert TrainingRun.objects.get(is_serving=True) == trained
    assert serving.serving_model().run_id == trained.pk

    with pytest.raises(ValidationError, match="no earlier succeeded model"):
        training_run_rollback()
    assert training_run_rollback(to=newer).is_serving
    assert TrainingRun.objects.get(is_serving=True) == newer


def _runs(outcome: str) -> tuple[float, float, float]:
    """(runs counted, durations observed, their sum) for `outcome`, from the metrics."""
    labels = {"outcome": outcome}
    value = REGISTRY.get_sample_value
    return (
        value("movierec_training_runs_total", labels) or 0,
        value("movierec_training_duration_seconds_count", labels) or 0,
        value("movierec_training_duration_seconds_sum", labels) or 0,
    )


@pytest.mark.django_db
def test_a_training_run_records_its_outcome_and_duration(world):
    runs, observed, total = _runs("succeeded")
    run = training_run_train(progress=NullProgress(), params=SMALL_ALS)
    after = _runs("succeeded")
    assert after[:2] == (runs + 1, observed + 1)
    assert after[2] - total == pytest.approx(run.duration_seconds)
    assert run.duration_seconds > 0


@pytest.mark.django_db
def test_a_failed_training_run_is_counted_as_failed(db):
    runs, observed, _ = _runs("failed")
    with pytest.raises(ValueError):
        training_run_train(progress=NullProgress(), params=SMALL_ALS)  # no likes to train on
    assert _runs("failed")[:2] == (runs + 1, observed + 1)
