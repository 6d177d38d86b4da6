from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from catalog.models import Movie
from tests.factories import RatingFactory, UserFactory

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture
def other_user(db):
    return UserFactory(username="someone_else")


@pytest.fixture
def sign_in(client):
    """Sign in through the real login form (client.login bypasses django-axes' request)."""

    def sign_in(username: str, password: str = PASSWORD, **extra):
        return client.post(
            reverse("accounts:login"), {"username": username, "password": password}, **extra
        )

    return sign_in


def rate(user, movie, score: str = "4.0"):
    """A rating with the movie's count and sum kept exact, as the rating services keep them."""
    rating = RatingFactory(user=user, movie=movie, score=Decimal(score))
    Movie.objects.filter(pk=movie.pk).update(
        rating_count=F("rating_count") + 1, rating_sum=F("rating_sum") + rating.score
    )
    return rating
