import json

import pytest
from rest_framework import serializers

from catalog.selectors import movie_get, movie_people, movies_in_order
from pages.api_serializers import PredictedMovieDetailSerializer, PredictedMovieSummarySerializer
from tests.factories import CreditFactory, GenreFactory, MovieFactory

pytestmark = pytest.mark.django_db


def test_the_direct_predicted_summary_matches_drfs_field_by_field_output():
    heat = MovieFactory(title="Heat", year=1995, genres=[GenreFactory(name="Crime")])
    bare = MovieFactory(title="Untitled", year=None, genres=[])
    serializer = PredictedMovieSummarySerializer(context={"predicted": {heat.pk: 4.2}})
    for movie in movies_in_order([heat.pk, bare.pk]):
        fast = serializer.to_representation(movie)
        generic = serializers.Serializer.to_representation(serializer, movie)
        assert json.dumps(fast) == json.dumps(generic)
        assert list(fast) == list(PredictedMovieSummarySerializer.Meta.fields)
        assert fast["predicted_score"] == (4.2 if movie.pk == heat.pk else None)


def test_the_predicted_detail_keeps_every_declared_field():
    movie = movie_get(movie_id=MovieFactory(title="Heat").pk)
    CreditFactory(movie=movie, person__name="Al Pacino", character="Vincent Hanna", position=0)
    context = {
        "viewer_state": None,
        "predicted": {movie.pk: 3.5},
        "people": movie_people(movie_id=movie.pk),
    }
    data = PredictedMovieDetailSerializer(movie, context=context).data
    assert list(data) == list(PredictedMovieDetailSerializer.Meta.fields)
    assert data["predicted_score"] == 3.5 and data["viewer"] is None
    assert [person["name"] for person in data["cast"]] == ["Al Pacino"]
    assert data["directors"] == data["writers"] == []
