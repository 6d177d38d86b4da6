"""Predicted ratings: the rating model trained beside ALS, served per version, and the
site's predictions for a user, folded in from their current ratings."""

from decimal import Decimal

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser

from jobs.progress import NullProgress
from ratings.models import Rating
from ratings.services import rating_delete, rating_upsert
from recommendations.algorithms.rating import RatingModel, rating_loads
from recommendations.models import TrainingRun
from recommendations.predictions import predicted_scores, predicted_scores_annotate
from recommendations.selectors import training_run_list
from recommendations.serving import rating_model_for
from recommendations.training import training_run_train
from tests.factories import UserFactory
from tests.recommendations.conftest import SMALL_ALS, SMALL_RATING

pytestmark = pytest.mark.django_db


def ids(movies) -> list[int]:
    return [movie.pk for movie in movies]


def test_training_stores_the_rating_model_beside_als(world):
    run = training_run_train(progress=NullProgress(), params=SMALL_ALS, rating_params=SMALL_RATING)
    run.refresh_from_db()
    assert run.als_model and run.rating_model
    assert run.params["factors"] == SMALL_ALS.factors  # ALS keeps its keys
    assert run.params["rating"] == SMALL_RATING.as_json()
    model = rating_loads(bytes(run.rating_model))
    assert type(model) is RatingModel and model.item_factors.shape == (40, 4)
    scores = Rating.objects.values_list("score", flat=True)
    assert model.mean == pytest.approx(float(np.mean([float(s) for s in scores])), abs=1e-4)
    # Listing runs never reads the two models.
    assert set(TrainingRun.LARGE_FIELDS) <= training_run_list().get().get_deferred_fields()


def test_the_serving_rating_model_loads_once_per_version(trained, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = rating_model_for(trained.pk)
    with django_assert_num_queries(0):
        assert rating_model_for(trained.pk) is first
    assert rating_model_for(None) is None


def test_a_run_without_a_rating_model_predicts_nothing(world, trained):
    TrainingRun.objects.filter(pk=trained.pk).update(rating_model=None)
    fan = world.space_fans[0]
    assert rating_model_for(trained.pk) is None
    assert predicted_scores(user=fan, movie_ids=ids(world.space)) == {}


def test_a_fan_is_predicted_to_like_their_genre_and_not_the_other(world, trained):
    fan = world.space_fans[0]
    rated = set(fan.ratings.values_list("movie_id", flat=True))
    scores = predicted_scores(user=fan, movie_ids=ids(world.space + world.romance))
    assert scores and not rated & set(scores)  # rated movies show the rating instead
    assert set(scores) == set(ids(world.space + world.romance)) - rated
    space = [scores[pk] for pk in ids(world.space) if pk in scores]
    romance = [scores[pk] for pk in ids(world.romance) if pk in scores]
    assert min(space) > max(romance)
    assert np.mean(space) > 3.5 and np.mean(romance) < 2.5
    for score in scores.values():
        assert 0.5 <= score <= 5.0 and round(score, 1) == score


def test_no_predictions_without_a_user_ratings_or_a_model(world, db):
    assert predicted_scores(user=world.space_fans[0], movie_ids=ids(world.space)) == {}  # no run
    training_run_train(progress=NullProgress(), params=SMALL_ALS)
    assert predicted_scores(user=AnonymousUser(), movie_ids=ids(world.space)) == {}
    assert predicted_scores(user=UserFactory(), movie_ids=ids(world.space)) == {}
    assert predicted_scores(user=world.space_fans[0], movie_ids=[]) == {}


def test_one_query_per_prediction_however_many_movies(world, trained, django_assert_num_queries):
    fan = world.romance_fans[0]
    predicted_scores(user=fan, movie_ids=ids(world.space[:1]))  # loads the model
    with django_assert_num_queries(1):
        few = predicted_scores(user=fan, movie_ids=ids(world.space[:2]))
    with django_assert_num_queries(1):
        many = predicted_scores(user=fan, movie_ids=ids(world.space + world.romance))
    assert len(few) <= 2 < len(many)


def test_a_new_rating_changes_the_predictions_at_once(world, trained):
    """No retraining: the user is folded in from their ratings on every call."""
    newcomer = UserFactory()
    rating_upsert(user=newcomer, movie=world.space[0], score=Decimal("4.5"))
    targets = ids(world.space[5:] + world.romance)
    before = predicted_scores(user=newcomer, movie_ids=targets)

    rating_upsert(user=newcomer, movie=world.romance[0], score=Decimal("0.5"))
    rating_upsert(user=newcomer, movie=world.space[1], score=Decimal("5.0"))
    after = predicted_scores(user=newcomer, movie_ids=targets)

    assert TrainingRun.objects.count() == 1
    romance = ids(world.romance[1:])
    assert np.mean([after[pk] for pk in romance]) < np.mean([before[pk] for pk in romance])
    assert world.romance[0].pk in before and world.romance[0].pk not in after  # now rated

    rating_delete(user=newcomer, movie=world.romance[0])
    assert world.romance[0].pk in predicted_scores(user=newcomer, movie_ids=targets)


def test_cards_get_a_prediction_or_none(world, trained):
    fan = world.space_fans[0]
    rated = set(fan.ratings.values_list("movie", flat=True))
    movies = [*world.space, *world.romance]
    predicted_scores_annotate(user=fan, movies=movies)
    for movie in movies:
        assert (movie.predicted_score is None) == (movie.pk in rated)
    predicted_scores_annotate(user=AnonymousUser(), movies=movies)
    assert all(movie.predicted_score is None for movie in movies)
