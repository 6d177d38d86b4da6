import pytest
from django.urls import reverse

from tests.factories import GenreFactory, MovieFactory

pytestmark = pytest.mark.django_db


def test_home_lists_popular_movies_first(client):
    MovieFactory(title="Obscure", rating_count=1, rating_sum=3)
    MovieFactory(title="Toy Story", year=1995, rating_count=200, rating_sum=800)
    response = client.get(reverse("catalog:home"))
    assert response.status_code == 200
    popular = [m.title for m in response.context["popular"]]
    assert popular == ["Toy Story", "Obscure"]
    assert "Toy Story (1995)" in response.text


def test_home_explains_an_empty_catalogue(client):
    response = client.get(reverse("catalog:home"))
    assert "import_movielens" in response.text


def test_movie_list_is_paginated_and_hides_hidden_movies(client):
    MovieFactory.create_batch(30)
    MovieFactory(title="Secret cut", is_hidden=True)
    first = client.get(reverse("catalog:movie-list"))
    second = client.get(reverse("catalog:movie-list"), {"page": 2})
    assert len(first.context["page"]) == 24
    assert len(second.context["page"]) == 6
    assert "Secret cut" not in first.text + second.text


def test_movie_list_query_count_does_not_grow_with_movies(client, django_assert_num_queries):
    MovieFactory.create_batch(5, genres=[GenreFactory(name="Drama")])
    with django_assert_num_queries(3):  # count, page, genres prefetch
        client.get(reverse("catalog:movie-list"))


def test_movie_detail_shows_the_movie(client):
    movie = MovieFactory(title="Heat", year=1995, imdb_id="tt0113277", tmdb_id=949,
                         overview="A group of professional bank robbers...")
    response = client.get(reverse("catalog:movie-detail", args=[movie.pk]))
    assert response.status_code == 200
    assert "bank robbers" in response.text
    assert "https://www.imdb.com/title/tt0113277/" in response.text
    assert "https://www.themoviedb.org/movie/949" in response.text


@pytest.mark.parametrize("hidden", [True, None])
def test_unknown_or_hidden_movie_is_a_404(client, hidden):
    movie_id = MovieFactory(is_hidden=True).pk if hidden else 999_999
    response = client.get(reverse("catalog:movie-detail", args=[movie_id]))
    assert response.status_code == 404
