import gzip
import json

import pytest
from django.urls import reverse

from catalog.models import MovieMap
from tests.factories import MovieFactory, movie_map_stored

pytestmark = pytest.mark.django_db


def test_the_map_page_is_for_everyone_and_waits_for_a_map(client):
    response = client.get(reverse("catalog:movie-map"))
    assert response.status_code == 200
    assert "The map appears once films have embeddings" in response.text
    assert 'id="movie-map"' not in response.text

    movie_map_stored(MovieFactory.create_batch(3))
    response = client.get(reverse("catalog:movie-map"))
    assert 'id="movie-map"' in response.text and "js/movie_map.js" in response.text
    assert 'data-movie-url="/movies/{id}/"' in response.text
    assert "Even <span" in response.text  # the neighbourhoods, listed for screen readers
    assert "Sign in</a> to see your films" in response.text


def test_the_map_points_are_cached_by_the_maps_version(client):
    url = reverse("catalog:movie-map-points")
    assert client.get(url).json() == {"version": None, "ids": [], "clusters": []}

    movies = MovieFactory.create_batch(3)
    stored = movie_map_stored(movies)
    response = client.get(url)
    assert response.json()["ids"] == [movie.pk for movie in movies]
    assert response["ETag"] == f'"map-{stored.pk}"'
    assert "public" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304

    MovieMap.objects.all().delete()
    replaced = movie_map_stored(movies[:2])
    response = client.get(url, HTTP_IF_NONE_MATCH=f'"map-{stored.pk}"')
    assert response.status_code == 200 and response["ETag"] == f'"map-{replaced.pk}"'
    assert response.json()["ids"] == [movie.pk for movie in movies[:2]]


def test_the_map_points_are_gzipped(client):
    movie_map_stored(MovieFactory.create_batch(200))
    response = client.get(reverse("catalog:movie-map-points"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["version"] is not None
