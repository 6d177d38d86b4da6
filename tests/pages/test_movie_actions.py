"""The movie page's actions: rating, clearing it, the watchlist and "not interested"; with
and without htmx, and only ever on the signed-in user's own rows."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from ratings.models import NotInterested, Rating, WatchlistItem
from ratings.services import rating_upsert
from tests.factories import MovieFactory
from tests.page_helpers import HTMX, messages_of, my_scores

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    ["pages:rate", "pages:watchlist-change", "pages:rating-remove"],
)
def test_anonymous_changes_are_refused(client, movie, name):
    response = client.post(reverse(name, args=[movie.pk]), {"score": "4", "action": "add"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Rating.objects.exists() and not WatchlistItem.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "pages:rate",
        "pages:rating-remove",
        "pages:watchlist-change",
        "pages:not-interested-change",
    ],
)
def test_changes_need_a_post(signed_in, movie, name):
    assert signed_in.get(reverse(name, args=[movie.pk])).status_code == 405


def test_changes_need_the_csrf_token(user, movie):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("pages:rate", args=[movie.pk]), {"score": "4"})
    assert response.status_code == 403
    assert not Rating.objects.exists()


# Rating from the movie page


def test_rate_without_javascript_redirects_back_with_a_message(signed_in, user, movie):
    response = signed_in.post(reverse("pages:rate", args=[movie.pk]), {"score": "4.5"})
    assert response.status_code == 302
    assert response["Location"] == reverse("pages:movie-detail", args=[movie.pk])
    assert messages_of(response) == ["You rated Toy Story 4.5 ★."]
    assert my_scores(user) == {movie.pk: Decimal("4.5")}
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_sum) == (1, Decimal("4.5"))


def test_rate_with_htmx_returns_the_actions_fragment(signed_in, user, movie):
    response = signed_in.post(reverse("pages:rate", args=[movie.pk]), {"score": "2.0"}, **HTMX)
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div id="movie-actions"')
    assert "<html" not in html
    assert re.search(r'value="2.0" id="score-\d+-4" checked', html)
    assert 'role="status">You rated Toy Story 2 ★.</p>' in html
    assert "Clear my rating" in html
    assert my_scores(user) == {movie.pk: Decimal("2.0")}


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("7", "less than or equal to 5.0"),
        ("0", "greater than or equal to 0.5"),
        ("3.3", "not a half-star score"),
        ("abc", "Invalid score"),
        ("NaN", "Invalid score"),
        ("sNaN", "Invalid score"),
        ("inf", "Invalid score"),
        ("", "Pick a score"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_score_is_explained_and_nothing_is_saved(
    signed_in, user, movie, score, message, htmx
):
    rating_upsert(user=user, movie=movie, score="3.0")
    response = signed_in.post(
        reverse("pages:rate", args=[movie.pk]), {"score": score}, **(HTMX if htmx else {})
    )
    if htmx:
        assert response.status_code == 200
        assert 'role="alert"' in response.text and message in response.text
    else:
        assert response.status_code == 302
        assert message in messages_of(response)[0]
    assert my_scores(user) == {movie.pk: Decimal("3.0")}


def test_rating_a_hidden_or_unknown_movie_is_a_404(signed_in):
    hidden = MovieFactory(is_hidden=True)
    for movie_id in (hidden.pk, 999_999):
        response = signed_in.post(reverse("pages:rate", args=[movie_id]), {"score": "4"})
        assert response.status_code == 404
    assert not Rating.objects.exists()


def test_next_must_be_a_page_of_this_site(signed_in, movie):
    url = reverse("pages:rate", args=[movie.pk])
    inside = signed_in.post(url, {"score": "4", "next": "/me/ratings/?sort=title"})
    assert inside["Location"] == "/me/ratings/?sort=title"
    outside = signed_in.post(url, {"score": "4", "next": "https://evil.example/"})
    assert outside["Location"] == reverse("pages:movie-detail", args=[movie.pk])


def test_removing_a_rating_only_touches_my_own(signed_in, user, other_user, movie):
    rating_upsert(user=other_user, movie=movie, score="5.0")
    url = reverse("pages:rating-remove", args=[movie.pk])
    response = signed_in.post(url)  # I have no rating of it: nothing of the other user's goes
    assert messages_of(response) == ["Nothing to remove."]
    assert Rating.objects.filter(user=other_user, movie=movie).exists()

    rating_upsert(user=user, movie=movie, score="2.0")
    response = signed_in.post(url, **HTMX)
    assert "Your rating of Toy Story was removed." in response.text
    assert my_scores(user) == {}
    assert Rating.objects.filter(user=other_user, movie=movie).exists()
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_sum) == (1, Decimal("5.0"))


@pytest.mark.parametrize(
    ("name", "model", "add_label", "remove_label"),
    [
        (
            "pages:watchlist-change",
            WatchlistItem,
            "Add to watchlist",
            "Remove from watchlist",
        ),
        (
            "pages:not-interested-change",
            NotInterested,
            "Not interested",
            "Undo “not interested”",
        ),
    ],
)
def test_lists_toggle_with_and_without_htmx(
    signed_in, user, movie, name, model, add_label, remove_label
):
    url = reverse(name, args=[movie.pk])
    response = signed_in.post(url, {"action": "add"}, **HTMX)
    assert remove_label in response.text and add_label not in response.text
    assert model.objects.filter(user=user, movie=movie).count() == 1
    signed_in.post(url, {"action": "add"})  # twice is still once
    assert model.objects.filter(user=user, movie=movie).count() == 1

    response = signed_in.post(url, {"action": "remove"})
    assert response.status_code == 302 and messages_of(response)
    assert not model.objects.filter(user=user, movie=movie).exists()


def test_removing_from_my_ratings_page_returns_to_it(signed_in, user, movie):
    rating_upsert(user=user, movie=movie, score="4.0")
    html = signed_in.get(reverse("ratings:ratings"), {"sort": "score"}).text
    assert 'hx-swap="delete"' in html
    assert 'name="next" value="/me/ratings/?sort=score"' in html
    response = signed_in.post(
        reverse("pages:rating-remove", args=[movie.pk]),
        {"next": "/me/ratings/?sort=score"},
    )
    assert response["Location"] == "/me/ratings/?sort=score"
    assert my_scores(user) == {}
