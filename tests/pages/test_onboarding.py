from decimal import Decimal

import pytest
from django.urls import reverse

from pages.onboarding import GENRES_KEY
from recommendations.personal import ONBOARDING_TARGET
from tests.factories import GenreFactory, MovieFactory
from tests.page_helpers import HTMX, messages_of, my_scores

pytestmark = pytest.mark.django_db


def test_sign_up_leads_to_onboarding(client):
    password = "popcorn and a good film 7"
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "newbie",
            "email": "n@example.com",
            "password1": password,
            "password2": password,
        },
    )
    assert response["Location"] == reverse("pages:onboarding")


@pytest.fixture
def catalogue(db):
    """Popular films in three genres over five decades."""
    genres = {name: GenreFactory(name=name) for name in ("Drama", "Comedy", "Horror")}
    movies = []
    for n in range(36):
        genre = list(genres.values())[n % 3]
        movies.append(
            MovieFactory(
                title=f"{genre.name} {n}",
                year=1960 + 10 * (n % 5) + n % 7,
                genres=[genre],
                rating_count=1000 - n,
            )
        )
    return movies


def test_onboarding_genres_are_remembered_and_lead_to_rating(signed_in, catalogue):
    response = signed_in.post(reverse("pages:onboarding"), {"genres": ["Horror", "Comedy"]})
    assert response["Location"] == reverse("pages:onboarding-rate")
    assert signed_in.session[GENRES_KEY] == ["Horror", "Comedy"]
    page = signed_in.get(reverse("pages:onboarding-rate"))
    movies = page.context["movies"]
    assert len(movies) == 6
    assert {g.name for m in movies for g in m.genres.all()} == {"Horror", "Comedy"}
    assert len({m.year // 10 for m in movies}) >= 3  # varied decades, not just the top six
    assert "<strong>0 of 10</strong> films rated" in page.text
    bad = signed_in.post(reverse("pages:onboarding"), {"genres": ["Nope"]})
    assert bad.status_code == 200 and "Nope is not one of the available choices" in bad.text


def test_onboarding_rating_and_skipping_with_htmx_until_done(signed_in, user, catalogue):
    url = reverse("pages:onboarding-rate")
    first = signed_in.get(url).context["movies"][0]
    response = signed_in.post(url, {"movie": first.pk, "score": "4.5"}, **HTMX)
    assert response.text.lstrip().startswith('<div id="onboarding-panel"')
    assert "<strong>1 of 10</strong>" in response.text
    assert first not in response.context["movies"]

    skipped = response.context["movies"][0]
    response = signed_in.post(url, {"skip": skipped.pk}, **HTMX)
    assert skipped not in response.context["movies"]
    assert "<strong>1 of 10</strong>" in response.text

    page = response.context["movies"]
    response = signed_in.post(url, {"skip": [m.pk for m in page]}, **HTMX)  # "other films"
    assert not set(page) & set(response.context["movies"])

    for movie in catalogue[20 : 20 + ONBOARDING_TARGET - 1]:
        response = signed_in.post(url, {"movie": movie.pk, "score": "3.0"}, **HTMX)
    assert "<strong>10</strong> films rated" in response.text
    assert "You're all set!" in response.text
    assert len(my_scores(user)) == 10


def test_onboarding_works_without_javascript(signed_in, user, catalogue):
    url = reverse("pages:onboarding-rate")
    movie = signed_in.get(url).context["movies"][0]
    response = signed_in.post(url, {"movie": movie.pk, "score": "5"})
    assert response.status_code == 302 and response["Location"] == url
    assert messages_of(response) == [f"You rated {movie.title} 5 ★."]
    page = signed_in.get(url)
    assert "<strong>1 of 10</strong>" in page.text
    assert 'class="btn btn--small rating-widget__save"' in page.text  # the no-JS submit
    bad = signed_in.post(url, {"movie": movie.pk, "score": "9"})
    assert "less than or equal to 5.0" in messages_of(bad)[0]
    assert my_scores(user) == {movie.pk: Decimal("5.0")}
