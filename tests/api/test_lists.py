"""Watchlist and "not interested": add (PUT, idempotent), remove (DELETE), list; each user
sees and changes only their own."""

import pytest

from ratings.models import NotInterested, WatchlistItem
from tests.api.conftest import V1, error_of

pytestmark = pytest.mark.django_db

LISTS = [("watchlist", WatchlistItem), ("not-interested", NotInterested)]


@pytest.mark.parametrize(("name", "model"), LISTS)
def test_put_adds_once_and_delete_removes(as_alice, alice, movies, name, model):
    url = f"{V1}/movies/{movies['heat'].pk}/{name}/"
    for _ in range(2):
        response = as_alice.put(url)
        assert response.status_code == 200, response.content
    assert response.json()["movie"]["title"] == "Heat"
    assert response.json()["added_at"]
    assert model.objects.filter(user=alice).count() == 1
    assert as_alice.delete(url).status_code == 204
    assert not model.objects.exists()
    error_of(as_alice.delete(url), 404, "not_found")


@pytest.mark.parametrize(("name", "model"), LISTS)
def test_the_list_shows_only_mine_newest_first(as_alice, as_bob, movies, name, model):
    for key in ("heat", "amelie"):
        as_alice.put(f"{V1}/movies/{movies[key].pk}/{name}/")
    as_bob.put(f"{V1}/movies/{movies['godfather'].pk}/{name}/")
    page = as_alice.get(f"{V1}/{name}/").json()
    assert page["count"] == 2
    assert [item["movie"]["title"] for item in page["results"]] == ["Amélie", "Heat"]


@pytest.mark.parametrize(("name", "model"), LISTS)
def test_nobody_can_remove_from_someone_elses_list(as_alice, as_bob, alice, movies, name, model):
    url = f"{V1}/movies/{movies['heat'].pk}/{name}/"
    as_alice.put(url)
    error_of(as_bob.delete(url), 404, "not_found")
    assert model.objects.filter(user=alice).exists()


@pytest.mark.parametrize(("name", "model"), LISTS)
def test_unknown_and_hidden_movies_are_404s(as_alice, movies, name, model):
    for movie_id in (movies["hidden"].pk, 999_999):
        error_of(as_alice.put(f"{V1}/movies/{movie_id}/{name}/"), 404, "not_found")
    assert not model.objects.exists()


@pytest.mark.parametrize(("name", "model"), LISTS)
def test_lists_need_credentials(anon, movies, name, model):
    url = f"{V1}/movies/{movies['heat'].pk}/{name}/"
    for response in (anon.put(url), anon.delete(url), anon.get(f"{V1}/{name}/")):
        error_of(response, 401, "not_authenticated")


def test_the_watchlist_orders(as_alice, movies):
    for key in ("heat", "godfather", "amelie"):
        as_alice.put(f"{V1}/movies/{movies[key].pk}/watchlist/")
    page = as_alice.get(f"{V1}/watchlist/", {"ordering": "title"}).json()
    assert [item["movie"]["title"] for item in page["results"]] == [
        "Amélie",
        "Heat",
        "The Godfather",
    ]
    error = error_of(as_alice.get(f"{V1}/watchlist/", {"ordering": "colour"}), 400, "invalid")
    assert list(error["fields"]) == ["ordering"]
