import gzip
import json
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import MovieMap, MovieMapCluster, MovieMapPoint
from ratings.models import NotInterested, Rating, WatchlistItem
from ratings.rating_import import MAX_IMPORT_BYTES
from ratings.services import rating_upsert, watchlist_add
from recommendations.config import Algorithm
from recommendations.models import RecommenderChoice
from recommendations.personal import ONBOARDING_TARGET
from recommendations.views import GENRES_KEY
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def my_scores(user) -> dict[int, Decimal]:
    return dict(Rating.objects.filter(user=user).values_list("movie_id", "score"))


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def other(db):
    return UserFactory(username="other")


# Permissions: every page of one's own data needs a sign-in, and every change one's own user.

LOGIN_PAGES = [
    ("recommendations:onboarding", []),
    ("recommendations:onboarding-rate", []),
    ("recommendations:ratings", []),
    ("recommendations:watchlist", []),
    ("recommendations:import", []),
    ("recommendations:taste-profile", []),
    ("recommendations:watch-together", []),
    ("recommendations:recommender", []),
]


@pytest.mark.parametrize(("name", "args"), LOGIN_PAGES)
def test_own_pages_redirect_anonymous_visitors_to_sign_in(client, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize(("name", "args"), LOGIN_PAGES)
def test_own_pages_render_for_a_new_user(signed_in, name, args):
    MovieFactory(genres=[GenreFactory(name="Drama")])
    assert signed_in.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize(
    "name",
    ["recommendations:rate", "recommendations:watchlist-change", "recommendations:rating-remove"],
)
def test_anonymous_changes_are_refused(client, movie, name):
    response = client.post(reverse(name, args=[movie.pk]), {"score": "4", "action": "add"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not Rating.objects.exists() and not WatchlistItem.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "recommendations:rate",
        "recommendations:rating-remove",
        "recommendations:watchlist-change",
        "recommendations:not-interested-change",
    ],
)
def test_changes_need_a_post(signed_in, movie, name):
    assert signed_in.get(reverse(name, args=[movie.pk])).status_code == 405


def test_changes_need_the_csrf_token(user, movie):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("recommendations:rate", args=[movie.pk]), {"score": "4"})
    assert response.status_code == 403
    assert not Rating.objects.exists()


# Rating from the movie page


def test_rate_without_javascript_redirects_back_with_a_message(signed_in, user, movie):
    response = signed_in.post(reverse("recommendations:rate", args=[movie.pk]), {"score": "4.5"})
    assert response.status_code == 302
    assert response["Location"] == reverse("pages:movie-detail", args=[movie.pk])
    assert messages_of(response) == ["You rated Toy Story 4.5 ★."]
    assert my_scores(user) == {movie.pk: Decimal("4.5")}
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_sum) == (1, Decimal("4.5"))


def test_rate_with_htmx_returns_the_actions_fragment(signed_in, user, movie):
    response = signed_in.post(
        reverse("recommendations:rate", args=[movie.pk]), {"score": "2.0"}, **HTMX
    )
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
        reverse("recommendations:rate", args=[movie.pk]), {"score": score}, **(HTMX if htmx else {})
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
        response = signed_in.post(reverse("recommendations:rate", args=[movie_id]), {"score": "4"})
        assert response.status_code == 404
    assert not Rating.objects.exists()


def test_next_must_be_a_page_of_this_site(signed_in, movie):
    url = reverse("recommendations:rate", args=[movie.pk])
    inside = signed_in.post(url, {"score": "4", "next": "/me/ratings/?sort=title"})
    assert inside["Location"] == "/me/ratings/?sort=title"
    outside = signed_in.post(url, {"score": "4", "next": "https://evil.example/"})
    assert outside["Location"] == reverse("pages:movie-detail", args=[movie.pk])


def test_removing_a_rating_only_touches_my_own(signed_in, user, other, movie):
    rating_upsert(user=other, movie=movie, score="5.0")
    url = reverse("recommendations:rating-remove", args=[movie.pk])
    response = signed_in.post(url)  # I have no rating of it: nothing of the other user's goes
    assert messages_of(response) == ["Nothing to remove."]
    assert Rating.objects.filter(user=other, movie=movie).exists()

    rating_upsert(user=user, movie=movie, score="2.0")
    response = signed_in.post(url, **HTMX)
    assert "Your rating of Toy Story was removed." in response.text
    assert my_scores(user) == {}
    assert Rating.objects.filter(user=other, movie=movie).exists()
    movie.refresh_from_db()
    assert (movie.rating_count, movie.rating_sum) == (1, Decimal("5.0"))


@pytest.mark.parametrize(
    ("name", "model", "add_label", "remove_label"),
    [
        (
            "recommendations:watchlist-change",
            WatchlistItem,
            "Add to watchlist",
            "Remove from watchlist",
        ),
        (
            "recommendations:not-interested-change",
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


# My ratings and watchlist


def test_my_ratings_lists_only_mine_sorted_and_paginated(signed_in, user, other):
    movies = [MovieFactory(title=f"Film {n:02}", year=1950 + n) for n in range(35)]
    for n, movie in enumerate(movies):
        rating_upsert(user=user, movie=movie, score=str(Decimal(n % 10 + 1) / 2))
    secret = MovieFactory(title="Other's Secret")
    rating_upsert(user=other, movie=secret, score="5.0")

    url = reverse("recommendations:ratings")
    by_date = signed_in.get(url)
    assert [r.movie.title for r in by_date.context["page"]][:2] == ["Film 34", "Film 33"]
    assert by_date.context["page"].paginator.count == 35
    assert "Other&#x27;s Secret" not in by_date.text and "Other's Secret" not in by_date.text
    by_title = signed_in.get(url, {"sort": "title", "page": 2})
    assert [r.movie.title for r in by_title.context["page"]] == [f"Film {n}" for n in range(30, 35)]
    assert 'href="?sort=title&amp;page=1"' in by_title.text
    by_score = signed_in.get(url, {"sort": "score"})
    assert [str(r.score) for r in by_score.context["page"]][:4] == ["5.0", "5.0", "5.0", "4.5"]
    by_year = signed_in.get(url, {"sort": "year"})
    assert by_year.context["page"][0].movie.year == 1984
    assert signed_in.get(url, {"sort": "bogus"}).context["sort"] == "date"


def test_removing_from_my_ratings_page_returns_to_it(signed_in, user, movie):
    rating_upsert(user=user, movie=movie, score="4.0")
    html = signed_in.get(reverse("recommendations:ratings"), {"sort": "score"}).text
    assert 'hx-swap="delete"' in html
    assert 'name="next" value="/me/ratings/?sort=score"' in html
    response = signed_in.post(
        reverse("recommendations:rating-remove", args=[movie.pk]),
        {"next": "/me/ratings/?sort=score"},
    )
    assert response["Location"] == "/me/ratings/?sort=score"
    assert my_scores(user) == {}


def test_my_watchlist_lists_only_mine(signed_in, user, other):
    mine, theirs = MovieFactory(title="Mine"), MovieFactory(title="Theirs")
    watchlist_add(user=user, movie=mine)
    watchlist_add(user=other, movie=theirs)
    response = signed_in.get(reverse("recommendations:watchlist"), {"sort": "title"})
    assert [item.movie.title for item in response.context["page"]] == ["Mine"]
    assert "Theirs" not in response.text


# Onboarding


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
    assert response["Location"] == reverse("recommendations:onboarding")


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
    response = signed_in.post(
        reverse("recommendations:onboarding"), {"genres": ["Horror", "Comedy"]}
    )
    assert response["Location"] == reverse("recommendations:onboarding-rate")
    assert signed_in.session[GENRES_KEY] == ["Horror", "Comedy"]
    page = signed_in.get(reverse("recommendations:onboarding-rate"))
    movies = page.context["movies"]
    assert len(movies) == 6
    assert {g.name for m in movies for g in m.genres.all()} == {"Horror", "Comedy"}
    assert len({m.year // 10 for m in movies}) >= 3  # varied decades, not just the top six
    assert "<strong>0 of 10</strong> films rated" in page.text
    bad = signed_in.post(reverse("recommendations:onboarding"), {"genres": ["Nope"]})
    assert bad.status_code == 200 and "Nope is not one of the available choices" in bad.text


def test_onboarding_rating_and_skipping_with_htmx_until_done(signed_in, user, catalogue):
    url = reverse("recommendations:onboarding-rate")
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
    url = reverse("recommendations:onboarding-rate")
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


# Import


LETTERBOXD = b"Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Heat,1995,https://boxd.it/x,4.5\n"


def upload(content: bytes, name: str = "ratings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_import_shows_a_report(signed_in, user):
    heat = MovieFactory(title="Heat", year=1995)
    content = LETTERBOXD + b",Nowhere Film,1990,,3\n,Heat,1995,,8\n"
    response = signed_in.post(reverse("recommendations:import"), {"file": upload(content)})
    assert response.status_code == 200
    report = response.context["report"]
    assert (len(report.matched), len(report.unmatched), len(report.invalid)) == (1, 1, 1)
    assert "Line 4" in response.text and "&#x27;8&#x27; is not between 0.5 and 5" in response.text
    assert "Nowhere Film" in response.text
    assert my_scores(user) == {heat.pk: Decimal("4.5")}


@pytest.mark.parametrize("score", [b"NaN", b"nan", b"sNaN"])
def test_import_reports_a_non_finite_rating_on_its_row(signed_in, user, score):
    MovieFactory(title="Heat", year=1995)
    content = LETTERBOXD.replace(b",4.5\n", b"," + score + b"\n")
    response = signed_in.post(reverse("recommendations:import"), {"file": upload(content)})
    assert response.status_code == 200
    assert len(response.context["report"].invalid) == 1
    assert f"&#x27;{score.decode()}&#x27; is not a number" in response.text
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"title;score\nHeat;4\n", "unrecognised file"),
        (b"\x00\x01binary", "not a CSV file"),
        (LETTERBOXD + b"x" * MAX_IMPORT_BYTES, "the limit is 5 MB"),
    ],
)
def test_import_refuses_bad_files_on_the_form(signed_in, user, content, error):
    response = signed_in.post(reverse("recommendations:import"), {"file": upload(content)})
    assert response.status_code == 200
    assert error in response.text
    assert 'id="id_file_error" role="alert"' in response.text
    assert not Rating.objects.exists()


# Taste profile


def test_taste_profile_has_chart_data_for_my_ratings_only(signed_in, user, other):
    drama, comedy = GenreFactory(name="Drama"), GenreFactory(name="Comedy")
    rating_upsert(user=user, movie=MovieFactory(genres=[drama]), score="4.0")
    rating_upsert(user=user, movie=MovieFactory(genres=[drama, comedy]), score="3.0")
    rating_upsert(user=other, movie=MovieFactory(genres=[comedy]), score="0.5")
    response = signed_in.get(reverse("recommendations:taste-profile"))
    data = json.loads(re.search(r'id="taste-data"[^>]*>(.*?)</script>', response.text).group(1))
    assert data["genres"] == {"labels": ["Drama", "Comedy"], "counts": [2, 1], "means": [3.5, 3.0]}
    assert data["histogram"]["counts"] == [0, 0, 0, 0, 0, 1, 0, 1, 0, 0]
    assert "vendor/chart.umd.min.js" in response.text
    assert f'href="{reverse("recommendations:movie-map")}"' in response.text


def test_a_private_taste_profile_stays_private(client, user, other):
    rating_upsert(user=other, movie=MovieFactory(genres=[GenreFactory(name="Drama")]), score="4")
    url = reverse("recommendations:public-taste", args=["other"])
    assert client.get(url).status_code == 404
    client.force_login(user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("recommendations:public-taste", args=["nobody"])).status_code == 404

    other.profile_is_public = True
    other.save()
    response = client.get(url)
    assert response.status_code == 200
    assert "other's taste" in response.text and "Drama" in response.text
    assert "histogram" not in response.context and "Your movie map" not in response.text


# Watch together


def test_watch_together_with_friends_who_allow_it(signed_in, user, other):
    third = UserFactory(username="third", allow_group_recommendations=True)
    other.allow_group_recommendations = True
    other.save()
    drama = GenreFactory(name="Drama")
    movies = MovieFactory.create_batch(5, genres=[drama], rating_count=10, rating_sum=40)
    rating_upsert(user=other, movie=movies[0], score="1.0")  # vetoed for the group
    rating_upsert(user=third, movie=movies[1], score="5.0")  # seen by one of them
    url = reverse("recommendations:watch-together")

    response = signed_in.get(url, {"others": ["OTHER, third"]})

    assert [member for member, _ in response.context["group"]] == [user, other, third]
    picks = response.context["movies"]
    assert len(picks) == 3 and not {movies[0], movies[1]} & set(picks)
    # The viewer has no ratings: only the others' tastes are named.
    assert all(re.match(r"Picked for (other|third)", m.explanation) for m in picks)
    assert all(user.username not in m.explanation for m in picks)
    assert "For all 3 of you" in response.text
    assert "new here: picked from the others' tastes" in response.text


@pytest.mark.parametrize(
    ("names", "error"),
    [
        (", ".join(f"friend{i}" for i in range(8)), "At most 7 people besides you (8 named)."),
        (" , ", "Name at least one person to watch with."),
    ],
)
def test_watch_together_takes_one_to_seven_others(signed_in, names, error):
    response = signed_in.get(reverse("recommendations:watch-together"), {"others": names})
    assert response.context["movies"] == [] and response.context["group"] == []
    assert error in response.text


@pytest.mark.parametrize("who", ["private", "missing", "myself"])
def test_watch_together_says_not_available_the_same_way(signed_in, user, other, who):
    name = {"private": "other", "missing": "ghost", "myself": user.username}[who]
    response = signed_in.get(reverse("recommendations:watch-together"), {"others": name})
    assert response.context["group"] == [] and response.context["movies"] == []
    assert f"No group recommendations with {name.casefold()}: each member" in response.text


# Movie map


def _stored_map(movies) -> MovieMap:
    """A map stored by hand: movie i at (i, -i), all in one "Space" cluster."""
    stored = MovieMap.objects.create(source_hash="x", movie_count=len(movies), seconds=1.0)
    MovieMapCluster.objects.create(movie_map=stored, number=0, label="Space", x=0, y=0, size=3)
    MovieMapPoint.objects.bulk_create(
        MovieMapPoint(movie=movie, movie_map=stored, x=float(i), y=-float(i), cluster=0)
        for i, movie in enumerate(movies)
    )
    return stored


def test_the_map_page_is_for_everyone_and_waits_for_a_map(client):
    response = client.get(reverse("recommendations:movie-map"))
    assert response.status_code == 200
    assert "The map appears once films have embeddings" in response.text
    assert 'id="movie-map"' not in response.text

    _stored_map(MovieFactory.create_batch(3))
    response = client.get(reverse("recommendations:movie-map"))
    assert 'id="movie-map"' in response.text and "js/movie_map.js" in response.text
    assert 'data-movie-url="/movies/{id}/"' in response.text
    assert "Space <span" in response.text  # the neighbourhoods, listed for screen readers
    assert "Sign in</a> to see your films" in response.text


def test_the_map_points_are_cached_by_the_maps_version(client):
    url = reverse("recommendations:movie-map-points")
    assert client.get(url).json() == {"version": None, "ids": [], "clusters": []}

    movies = MovieFactory.create_batch(3)
    stored = _stored_map(movies)
    response = client.get(url)
    assert response.json()["ids"] == [movie.pk for movie in movies]
    assert response["ETag"] == f'"map-{stored.pk}"'
    assert "public" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304

    MovieMap.objects.all().delete()
    replaced = _stored_map(movies[:2])
    response = client.get(url, HTTP_IF_NONE_MATCH=f'"map-{stored.pk}"')
    assert response.status_code == 200 and response["ETag"] == f'"map-{replaced.pk}"'
    assert response.json()["ids"] == [movie.pk for movie in movies[:2]]


def test_the_map_points_are_gzipped(client):
    _stored_map(MovieFactory.create_batch(200))
    response = client.get(reverse("recommendations:movie-map-points"), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["version"] is not None


def test_my_films_on_the_map(client, user):
    url = reverse("recommendations:movie-map-mine")
    assert client.get(url).json() == {"rated": {}, "watchlist": [], "recommended": []}

    rated, listed, *others = MovieFactory.create_batch(6)
    rating_upsert(user=user, movie=rated, score="4.5")
    watchlist_add(user=user, movie=listed)
    rating_upsert(user=UserFactory(), movie=others[0], score="1.0")  # someone else's
    client.force_login(user)
    response = client.get(url)
    mine = response.json()
    assert mine["rated"] == {str(rated.pk): 4.5}
    assert mine["watchlist"] == [listed.pk]
    assert mine["recommended"] and rated.pk not in mine["recommended"]
    assert set(mine["recommended"]) <= {movie.pk for movie in [listed, *others]}
    assert "no-store" in response["Cache-Control"]  # private: never in a shared cache


# Choosing a recommender


def test_the_recommender_page_explains_every_choice_and_marks_the_one_in_use(signed_in):
    html = signed_in.get(reverse("recommendations:recommender")).content.decode()

    for algorithm in Algorithm:
        assert algorithm.label in html and algorithm.description in html
    assert re.search(r'value="hybrid" checked', html)


def test_a_chosen_recommender_is_remembered_and_shown_on_home(signed_in, user):
    MovieFactory(genres=[GenreFactory(name="Drama")])
    response = signed_in.post(reverse("recommendations:recommender"), {"algorithm": "ease"})

    assert response.status_code == 302 and response["Location"] == reverse("pages:home")
    assert RecommenderChoice.objects.get(user=user).algorithm == "ease"
    home = signed_in.get(reverse("pages:home")).content.decode()
    assert "Recommender: Liked together." in home
    again = signed_in.get(reverse("recommendations:recommender")).content.decode()
    assert re.search(r'value="ease" checked', again)


def test_an_unknown_recommender_is_refused_and_keeps_the_choice(signed_in, user):
    signed_in.post(reverse("recommendations:recommender"), {"algorithm": "als"})

    response = signed_in.post(reverse("recommendations:recommender"), {"algorithm": "svd"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert RecommenderChoice.objects.get(user=user).algorithm == "als"
