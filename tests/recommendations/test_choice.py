"""A run's choice and its one layout in `TrainingRun.params`."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from recommendations.algorithms.als import AlsParams
from recommendations.algorithms.ease import EaseParams
from recommendations.algorithms.rating import RatingParams
from recommendations.choice import Choice
from recommendations.config import HybridParams, SimilarParams
from recommendations.models import TrainingRun

CHOSEN = Choice(
    als=AlsParams(factors=8),
    ease=EaseParams(l2=50.0),
    hybrid=HybridParams(als_weight=0.7),
    similar=SimilarParams(quality_weight=0.5),
    rating=RatingParams(iterations=3),
)
rename = importlib.import_module("recommendations.migrations.0008_als_model_and_rating_key")


def test_the_layout_keeps_als_at_the_top_and_each_other_model_under_its_key():
    stored = CHOSEN.as_json()

    assert stored["factors"] == 8
    assert stored["ease"]["l2"] == 50.0 and stored["rating"]["iterations"] == 3
    assert stored["hybrid"]["als_weight"] == 0.7 and stored["similar"]["quality_weight"] == 0.5
    assert "quick" not in stored
    assert Choice.from_json(stored) == CHOSEN


def test_a_run_from_before_a_model_was_chosen_takes_its_defaults():
    assert Choice.from_json({"factors": 8}) == Choice(als=AlsParams(factors=8))


@pytest.mark.django_db
def test_the_migration_moves_the_rating_model_s_parameters_to_their_key_and_back():
    old = {"factors": 8, "explicit": {"iterations": 3}}
    run = TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED, params=old, finished_at=timezone.now()
    )
    untouched = TrainingRun.objects.create(params={"factors": 4})

    rename.rating_key_forward(apps, None)
    run.refresh_from_db()
    assert run.params == {"factors": 8, "rating": {"iterations": 3}}
    assert Choice.from_json(run.params).rating == RatingParams(iterations=3)

    rename.rating_key_backward(apps, None)
    run.refresh_from_db()
    assert run.params == old
    untouched.refresh_from_db()
    assert untouched.params == {"factors": 4}
