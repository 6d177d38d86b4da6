"""Rating a movie (PUT/DELETE) and listing my ratings: validation, counters, ownership."""

from decimal import Decimal

import pytest

from catalog.models import Movie
from ratings.models import Rating
from ratings.services import rating_upsert
from tests.api.conftest import V1, error_of
from tests.factories import rate

pytestmark = pytest.mark.django_db


def rating_url(movie) -> str:
    return f"{V1}/movies/{movie.pk}/rating/"


def test_put_creates_then_changes_the_rating_and_the_movies_counters(as_alice, alice, movies):
    heat = movies["heat"]
    response = as_alice.put(rating_url(heat), {"score": 4.5}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["score"] == 4.5
    assert body["movie"]["id"] == heat.pk
    assert body["movie"]["rating_count"] == 1
    as_alice.put(rating_url(heat), {"score": "2.0"}, format="json")
    heat.refresh_from_db()
    assert (heat.rating_count, heat.rating_sum) == (1, Decimal("2.0"))
    assert Rating.objects.get(user=alice, movie=heat).score == Decimal("2.0")


def test_put_is_idempotent(as_alice, alice, movies):
    for _ in range(2):
        assert (
            as_alice.put(rating_url(movies["heat"]), {"score": 3}, format="json").status_code == 200
        )
    assert Rating.objects.filter(user=alice).count() == 1
    movies["heat"].refresh_from_db()
    assert movies["heat"].rating_count == 1


def test_bodies_are_json(as_alice, movies):
    response = as_alice.put(
        rating_url(movies["heat"]), "score=5", content_type="application/x-www-form-urlencoded"
    )
    error_of(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("score", [7, 4.3, 0, -1, 0.25, "abc", "", None])
def test_scores_off_the_half_star_grid_are_field_errors(as_alice, movies, score):
    response = as_alice.put(rating_url(movies["heat"]), {"score": score}, format="json")
    error = error_of(response, 400, "invalid")
    assert list(error["fields"]) == ["score"]
    assert not Rating.objects.exists()


def test_the_half_star_message_says_what_is_wrong(as_alice, movies):
    response = as_alice.put(rating_url(movies["heat"]), {"score": 4.3}, format="json")
    [message] = error_of(response, 400, "invalid")["fields"]["score"]
    assert message == "Invalid score 4.3: 4.3 is not a half-star score (0.5, 1.0, ..., 5.0)."


def test_a_missing_score_is_a_field_error(as_alice, movies):
    response = as_alice.put(rating_url(movies["heat"]), {}, format="json")
    assert error_of(response, 400, "invalid")["fields"] == {"score": ["This field is required."]}


def test_a_movie_hidden_while_it_is_rated_still_gets_its_rating_and_a_200(
    as_alice, alice, movies, monkeypatch
):
    heat = movies["heat"]

    def rate_then_staff_hide(**kwargs):
        rating = rating_upsert(**kwargs)
        Movie.objects.filter(pk=heat.pk).update(is_hidden=True)
        return rating

    monkeypatch.setattr("ratings.api.rating_upsert", rate_then_staff_hide)
    response = as_alice.put(rating_url(heat), {"score": 4}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["movie"]["id"] == heat.pk
    assert Rating.objects.get(user=alice, movie=heat).score == Decimal("4.0")


def test_unknown_and_hidden_movies_cannot_be_rated(as_alice, movies):
    for movie_id in (movies["hidden"].pk, 999_999):
        url = f"{V1}/movies/{movie_id}/rating/"
        error_of(as_alice.put(url, {"score": 4}, format="json"), 404, "not_found")
        error_of(as_alice.delete(url), 404, "not_found")
    assert not Rating.objects.exists()


def test_delete_removes_my_rating_then_404s(as_alice, alice, movies):
    rate(alice, movies["heat"], "4.0")
    assert as_alice.delete(rating_url(movies["heat"])).status_code == 204
    movies["heat"].refresh_from_db()
    assert movies["heat"].rating_count == 0
    error = error_of(as_alice.delete(rating_url(movies["heat"])), 404, "not_found")
    assert error["message"] == "You have not rated this movie."


def test_nobody_can_change_or_delete_someone_elses_rating(as_bob, alice, bob, movies):
    rate(alice, movies["heat"], "4.0")
    error_of(as_bob.delete(rating_url(movies["heat"])), 404, "not_found")
    as_bob.put(rating_url(movies["heat"]), {"score": 1}, format="json")
    assert Rating.objects.get(user=alice).score == Decimal("4.0")
    assert Rating.objects.get(user=bob).score == Decimal("1.0")


@pytest.mark.parametrize("method", ["put", "delete"])
def test_rating_needs_credentials(anon, movies, method):
    response = getattr(anon, method)(rating_url(movies["heat"]), {"score": 4}, format="json")
    error_of(response, 401, "not_authenticated")
    assert not Rating.objects.exists()


# --- My ratings ------------------------------------------------------------------------


@pytest.fixture
def my_ratings(alice, bob, movies):
    rate(alice, movies["godfather"], "5.0")
    rate(alice, movies["groundhog"], "3.5")
    rate(alice, movies["amelie"], "1.0")
    rate(bob, movies["heat"], "4.0")


def scored(response) -> list[tuple[str, float]]:
    assert response.status_code == 200, response.content
    return [(r["movie"]["title"], r["score"]) for r in response.json()["results"]]


def test_the_list_holds_only_my_ratings_newest_first(as_alice, my_ratings):
    assert scored(as_alice.get(f"{V1}/ratings/")) == [
        ("Amélie", 1.0),
        ("Groundhog Day", 3.5),
        ("The Godfather", 5.0),
    ]


def test_the_list_filters_by_score_and_genre(as_alice, my_ratings):
    assert scored(as_alice.get(f"{V1}/ratings/", {"min_score": 3.5, "max_score": 4.5})) == [
        ("Groundhog Day", 3.5)
    ]
    assert {t for t, _ in scored(as_alice.get(f"{V1}/ratings/", {"genre": "drama"}))} == {
        "The Godfather",
        "Amélie",
    }


def test_the_list_orders(as_alice, my_ratings):
    assert [s for _, s in scored(as_alice.get(f"{V1}/ratings/", {"ordering": "score"}))] == [
        5.0,
        3.5,
        1.0,
    ]
    assert [t for t, _ in scored(as_alice.get(f"{V1}/ratings/", {"ordering": "title"}))] == [
        "Amélie",
        "Groundhog Day",
        "The Godfather",
    ]


def test_the_list_is_paginated(as_alice, my_ratings):
    page = as_alice.get(f"{V1}/ratings/", {"page_size": 2}).json()
    assert (page["count"], len(page["results"]), page["next"] is not None) == (3, 2, True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_score": 9}, "min_score"),
        ({"max_score": "x"}, "max_score"),
        ({"ordering": "-x"}, "ordering"),
    ],
)
def test_bad_list_parameters_are_field_errors(as_alice, params, field):
    error = error_of(as_alice.get(f"{V1}/ratings/", params), 400, "invalid")
    assert list(error["fields"]) == [field]


def test_the_list_needs_credentials(anon):
    error_of(anon.get(f"{V1}/ratings/"), 401, "not_authenticated")
