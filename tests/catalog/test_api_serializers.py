import json
from decimal import Decimal

import pytest
from rest_framework import serializers

from catalog.api_serializers import MovieDetailSerializer, MovieSummarySerializer
from catalog.selectors import movie_get, movies_in_order
from ratings.services import rating_upsert
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db


def generic(serializer: serializers.Serializer, instance) -> dict:
    """What DRF's field-by-field path makes of `instance` with this serializer's fields."""
    return serializers.Serializer.to_representation(serializer, instance)


@pytest.fixture
def assorted_movies():
    drama, crime = GenreFactory(name="Drama"), GenreFactory(name="Crime")
    rated = MovieFactory(title="Heat", year=1995, genres=[crime, drama], poster_path="/heat.jpg")
    rating_upsert(user=UserFactory(), movie=rated, score=Decimal("4.5"))
    rating_upsert(user=UserFactory(), movie=rated, score=Decimal("3.0"))
    bare = MovieFactory(title="Untitled", year=None, genres=[], poster_path="")
    return [rated.pk, bare.pk]


def test_the_direct_summary_matches_drfs_field_by_field_output(assorted_movies):
    serializer = MovieSummarySerializer()
    for movie in [*movies_in_order(assorted_movies), movie_get(movie_id=assorted_movies[0])]:
        fast = serializer.to_representation(movie)
        assert json.dumps(fast) == json.dumps(generic(serializer, movie))
    assert fast["rating_mean"] == 3.75 and fast["genres"] == ["Crime", "Drama"]


def test_the_detail_keeps_every_declared_field(assorted_movies):
    movie = movie_get(movie_id=assorted_movies[0])
    data = MovieDetailSerializer(movie, context={"viewer_state": None}).data
    assert list(data) == list(MovieDetailSerializer.Meta.fields)
    assert data["viewer"] is None and data["display_title"] == "Heat (1995)"
