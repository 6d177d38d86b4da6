from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ratings.models import Rating
from tests.factories import RatingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("score", ["7", "0", "0.0", "-1", "5.5"])
def test_database_rejects_out_of_range_score(user, movie, score):
    with pytest.raises(IntegrityError, match="rating_score_in_range"), transaction.atomic():
        Rating.objects.create(user=user, movie=movie, score=Decimal(score))


def test_database_rejects_score_off_the_half_star_grid(user, movie):
    with pytest.raises(IntegrityError, match="rating_score_half_stars"), transaction.atomic():
        Rating.objects.create(user=user, movie=movie, score=Decimal("4.3"))


def test_database_rejects_a_second_rating_for_the_same_movie(user, movie):
    RatingFactory(user=user, movie=movie, score=Decimal("3.5"))
    with pytest.raises(IntegrityError, match="one_rating_per_user_movie"), transaction.atomic():
        Rating.objects.create(user=user, movie=movie, score=Decimal("4.0"))
    assert Rating.objects.get(user=user, movie=movie).score == Decimal("3.5")


@pytest.mark.parametrize("score", ["7", "4.25", "0"])
def test_validation_explains_a_bad_score(user, movie, score):
    with pytest.raises(ValidationError) as excinfo:
        Rating(user=user, movie=movie, score=Decimal(score)).full_clean()
    assert "score" in excinfo.value.message_dict


@pytest.mark.parametrize("score", ["0.5", "3.5", "5.0"])
def test_validation_accepts_half_stars(user, movie, score):
    Rating(user=user, movie=movie, score=Decimal(score)).full_clean()
