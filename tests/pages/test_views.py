import re
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse

from catalog.models import Credit, MovieMap, MovieMapPoint
from catalog.selectors import TOP_BILLED
from ratings.models import Rating
from ratings.services import not_interested_add, rating_upsert, watchlist_add
from tests.factories import CreditFactory, GenreFactory, MovieFactory, PersonFactory, UserFactory
from tests.recommendations.conftest import trained, unit_vector, world  # noqa: F401

pytestmark = pytest.mark.django_db


def vector(axis: int, seed: int = 0) -> list[float]:
    return unit_vector(axis, np.random.default_rng(seed), noise=0.1)


def titles(movies) -> list[str]:
    return [movie.title for movie in movies]


# Home


def test_home_lists_popular_movies_first(client):
    MovieFactory(title="Obscure", rating_count=1, rating_sum=3)
    MovieFactory(title="Toy Story", year=1995, rating_count=200, rating_sum=800)
    response = client.get(reverse("pages:home"))
    assert response.status_code == 200
    assert titles(response.context["popular"]) == ["Toy Story", "Obscure"]
    assert "Toy Story (1995)" in response.text


def test_signed_in_popular_now_leaves_out_what_the_user_rated_or_dismissed(client, user):
    rated = MovieFactory(title="Toy Story", rating_count=200, rating_sum=800)
    dismissed = MovieFactory(title="Heat", rating_count=150, rating_sum=600)
    MovieFactory(title="Alien", rating_count=100, rating_sum=400)
    rating_upsert(user=user, movie=rated, score="4.0")
    not_interested_add(user=user, movie=dismissed)
    client.force_login(user)

    assert titles(client.get(reverse("pages:home")).context["popular"]) == ["Alien"]
    client.logout()
    assert titles(client.get(reverse("pages:home")).context["popular"]) == [
        "Toy Story",
        "Heat",
        "Alien",
    ]


def test_new_additions_keep_the_quality_floor(client, user):
    # The catalogue's mean is 3.4; the rows are created oldest first.
    MovieFactory(title="Old Classic", rating_count=100, rating_sum=400)  # mean 4.0
    MovieFactory(title="Panned", rating_count=50, rating_sum=100)  # mean 2.0
    MovieFactory(title="Loved Newcomer", rating_count=10, rating_sum=45)  # mean 4.5
    MovieFactory(title="Liked By Four", rating_count=4, rating_sum=20)  # too few ratings
    MovieFactory(title="Unrated")
    client.force_login(user)

    new = titles(client.get(reverse("pages:home")).context["new"])

    assert new == ["Loved Newcomer", "Old Classic"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_explains_an_empty_catalogue(client, user, signed_in):
    if signed_in:
        client.force_login(user)
    response = client.get(reverse("pages:home"))
    assert response.status_code == 200
    assert "import_movielens" in response.text


def test_anonymous_home_ranks_highly_rated_by_bayesian_average_and_invites_sign_up(client):
    MovieFactory(title="One Perfect Vote", rating_count=1, rating_sum=5)
    MovieFactory(title="Loved By Many", rating_count=400, rating_sum=1800)  # mean 4.5
    MovieFactory(title="Disliked By Many", rating_count=400, rating_sum=800)  # mean 2.0
    MovieFactory(title="Unrated")
    response = client.get(reverse("pages:home"))
    assert titles(response.context["top_rated"]) == [
        "Loved By Many",
        "One Perfect Vote",
        "Disliked By Many",
    ]
    assert 'href="/signup/"' in response.text and "Create a free account" in response.text


def test_signed_in_home_without_a_model_shows_explained_picks_and_rows(client, user):
    liked = MovieFactory(title="Alien", embedding=vector(0), rating_count=5, rating_sum=20)
    close = MovieFactory(title="Aliens", embedding=vector(0, seed=1), rating_count=3, rating_sum=12)
    seen = MovieFactory(title="Alien 3", embedding=vector(0, seed=2))
    MovieFactory(title="Notting Hill", embedding=vector(1), rating_count=9, rating_sum=30)
    rating_upsert(user=user, movie=seen, score="3.0")
    rating_upsert(user=user, movie=liked, score="5.0")  # the most recent high rating
    client.force_login(user)

    response = client.get(reverse("pages:home"))

    (because,) = response.context["because"]
    assert because.anchor == liked
    assert titles(because.movies)[0] == "Aliens"
    assert "Alien 3" not in titles(because.movies)  # already rated
    picks = response.context["picks"]
    assert picks and all(movie.explanation for movie in picks)
    assert {"Alien", "Alien 3"}.isdisjoint(titles(picks))
    assert "Because you liked Alien" in response.text
    # Notting Hill, added last, is rated below the catalogue's mean; Aliens by too few.
    assert titles(response.context["new"]) == ["Alien"]
    assert close.pk in {movie.pk for movie in response.context["popular"]}
    assert "You have rated 2 films." in response.text  # onboarding is suggested until 10


def test_signed_in_home_with_a_trained_model_explains_picks_by_taste(client, world, trained):  # noqa: F811
    fan = world.space_fans[0]
    client.force_login(fan)
    response = client.get(reverse("pages:home"))
    picks = response.context["picks"]
    assert picks
    assert all(movie.title.startswith("Space") for movie in picks[:3])
    assert all(movie.explanation for movie in picks)


# Browse and search


@pytest.fixture
def shelf(db):
    drama, comedy = GenreFactory(name="Drama"), GenreFactory(name="Comedy")
    return {
        "old_drama": MovieFactory(
            title="Bicycle Thieves", year=1948, genres=[drama], rating_count=50, rating_sum=215
        ),
        "drama_90s": MovieFactory(
            title="Heat", year=1995, genres=[drama], rating_count=100, rating_sum=400
        ),
        "comedy_90s": MovieFactory(
            title="Clueless", year=1995, genres=[comedy], rating_count=80, rating_sum=280
        ),
        "new_comedy": MovieFactory(
            title="Barbie", year=2023, genres=[comedy], rating_count=10, rating_sum=35
        ),
    }


def browse(client, **params):
    response = client.get(reverse("pages:movie-list"), params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Heat", "Clueless", "Bicycle Thieves", "Barbie"]),
        ({"genre": "Drama"}, ["Heat", "Bicycle Thieves"]),
        ({"decade": "1990"}, ["Heat", "Clueless"]),
        ({"year_min": "1990", "year_max": "2000"}, ["Heat", "Clueless"]),
        ({"year_min": "2000"}, ["Barbie"]),
        ({"genre": "Comedy", "decade": "1990"}, ["Clueless"]),
        # Bayesian, catalogue mean 3.875: Barbie's few 3.5s beat Clueless's many.
        ({"sort": "rating"}, ["Bicycle Thieves", "Heat", "Barbie", "Clueless"]),
        ({"sort": "newest"}, ["Barbie", "Clueless", "Heat", "Bicycle Thieves"]),
        ({"sort": "oldest"}, ["Bicycle Thieves", "Clueless", "Heat", "Barbie"]),
        ({"sort": "title"}, ["Barbie", "Bicycle Thieves", "Clueless", "Heat"]),
    ],
)
def test_browse_filters_and_sorts(client, shelf, params, expected):
    assert titles(browse(client, **params).context["page"]) == expected


@pytest.mark.parametrize(
    ("params", "message", "expected"),
    [
        ({"decade": "abc"}, "“abc” is not a decade", 4),
        ({"decade": "1995"}, "“1995” is not a decade", 4),
        ({"year_min": "2000", "year_max": "1990"}, "is before “From year”", 1),  # keeps From
        ({"year_min": "nineteen"}, "Enter a year such as 1995", 4),
        ({"genre": "Western"}, "There is no genre called “Western”", 4),
        ({"sort": "random"}, "is not a way to sort", 4),
        ({"page": "abc"}, None, 4),
    ],
)
def test_invalid_filters_give_a_friendly_message_never_an_error(
    client, shelf, params, message, expected
):
    response = browse(client, **params)
    assert len(response.context["page"]) == expected
    if message:
        assert message in response.text
        assert 'class="form-errors" role="alert"' in response.text


def test_pagination_links_keep_the_filters(client):
    drama = GenreFactory(name="Drama")
    MovieFactory.create_batch(30, genres=[drama], year=1995)
    response = browse(client, genre="Drama", decade="1990", sort="title")
    assert len(response.context["page"]) == 24
    assert 'href="?genre=Drama&amp;decade=1990&amp;sort=title&amp;page=2"' in response.text
    second = browse(client, genre="Drama", decade="1990", sort="title", page="2")
    assert len(second.context["page"]) == 6


def test_movie_list_is_paginated_and_hides_hidden_movies(client):
    MovieFactory.create_batch(30)
    MovieFactory(title="Secret cut", is_hidden=True)
    first = client.get(reverse("pages:movie-list"))
    second = client.get(reverse("pages:movie-list"), {"page": 2})
    assert len(first.context["page"]) == 24
    assert len(second.context["page"]) == 6
    assert "Secret cut" not in first.text + second.text


def test_movie_list_query_count_does_not_grow_with_movies(client, django_assert_num_queries):
    MovieFactory.create_batch(5, genres=[GenreFactory(name="Drama")])
    with django_assert_num_queries(4):  # genre choices, count, page, genres prefetch
        client.get(reverse("pages:movie-list"))


def test_browse_shows_my_ratings_in_one_query(client, user, django_assert_num_queries):
    drama = GenreFactory(name="Drama")
    movies = MovieFactory.create_batch(10, genres=[drama])
    for movie, score in zip(movies, ["4.5", "2.0", "5.0", "3.5", "1.0"], strict=False):
        rating_upsert(user=user, movie=movie, score=score)
    rating_upsert(user=UserFactory(), movie=movies[9], score="0.5")  # someone else's
    client.force_login(user)
    # session, user, genre choices, count, page, genres prefetch, my ratings for the page,
    # the prediction's (the serving version with all my ratings), the header's unread
    # notifications
    with django_assert_num_queries(9):
        response = client.get(reverse("pages:movie-list"))
    mine = {movie.pk: movie.my_score for movie in response.context["page"]}
    assert mine[movies[0].pk] == Decimal("4.5")
    assert mine[movies[9].pk] is None
    assert response.text.count("You rated it") == 5
    assert "You rated it 4.5 ★" in response.text


def test_an_empty_search_shows_a_message_only_when_submitted(client, shelf):
    assert "Type a title" not in browse(client).text
    submitted = browse(client, q="   ")
    assert "Type a title" in submitted.text
    assert len(submitted.context["page"]) == 4  # and the catalogue is still listed


def test_search_uses_the_hybrid_search_and_keeps_filters(client, shelf):
    response = browse(client, q="Clueless")
    assert titles(response.context["page"])[0] == "Clueless"
    assert 'name="q" value="Clueless"' in response.text  # kept in the filter form
    filtered = browse(client, q="Clueless", genre="Drama", sort="title")
    assert "Clueless" not in titles(filtered.context["page"])
    assert titles(filtered.context["page"]) == sorted(titles(filtered.context["page"]))


def test_a_name_nobody_in_the_cast_and_crew_has_is_told_on_the_page(client, shelf):
    html = browse(client, q="Tom Hanks").text
    assert "No one named “Tom Hanks” is in the cast and crew we know" in html
    assert "no cast and crew have been imported yet" in html

    hanks = PersonFactory(name="Tom Hanks")
    html = browse(client, q="Tom Hanks").text
    assert "No one named" not in html
    assert f'<a href="{reverse("pages:person-detail", args=[hanks.pk])}">Tom Hanks</a>' in html
    assert "No one named" not in browse(client, q="Clueless").text


# Search-as-you-type


def suggest(client, q=None):
    response = client.get(reverse("pages:movie-suggest"), {} if q is None else {"q": q})
    assert response.status_code == 200
    return response.json()["results"]


def test_suggestions_are_films_starting_with_the_letters_most_rated_first(
    client, django_assert_num_queries
):
    alien = MovieFactory(title="Alien", year=1979, rating_count=146, poster_path="/alien.jpg")
    aliens = MovieFactory(title="Aliens", year=1986, rating_count=126)
    MovieFactory(title="Aladdin", year=1992, rating_count=183, is_hidden=True)
    MovieFactory(title="Monsters vs. Aliens", year=2009, rating_count=500)  # a later word
    MovieFactory(title="Heat", year=1995, rating_count=900)

    suggest(client, "he")  # builds the process's title index
    with django_assert_num_queries(2):  # the catalogue's version, the films
        results = suggest(client, "  AL ")

    assert [(r["title"], r["year"]) for r in results] == [
        ("Alien", 1979),
        ("Aliens", 1986),
        ("Monsters vs. Aliens", 2009),
    ]
    assert results[0] == {
        "id": alien.pk,
        "title": "Alien",
        "year": 1979,
        "url": reverse("pages:movie-detail", args=[alien.pk]),
        "poster": "https://image.tmdb.org/t/p/w92/alien.jpg",
        "initials": "A",
        "hue": (alien.pk * 47) % 360,
    }
    assert results[1]["poster"] == "" and results[1]["initials"] == "A"
    assert results[1]["id"] == aliens.pk


@pytest.mark.parametrize("q", [None, "", "a", " a ", "zzzz"])
def test_too_short_or_unknown_queries_suggest_nothing(client, q):
    MovieFactory(title="Alien", year=1979)
    assert suggest(client, q) == []


def test_every_pages_search_box_offers_suggestions(client, movie):
    for url in (reverse("pages:home"), reverse("pages:movie-detail", args=[movie.pk])):
        html = client.get(url).text
        assert f'data-suggest-url="{reverse("pages:movie-suggest")}"' in html
        assert "js/suggest.js" in html


# Movie page


def test_movie_detail_shows_the_movie(client):
    movie = MovieFactory(
        title="Heat",
        year=1995,
        imdb_id="tt0113277",
        tmdb_id=949,
        runtime=170,
        tagline="A Los Angeles crime saga",
        poster_path="/heat.jpg",
        overview="A group of professional bank robbers...",
        rating_count=4,
        rating_sum=17,
        genres=[GenreFactory(name="Thriller"), GenreFactory(name="Crime & Heist")],
    )
    response = client.get(reverse("pages:movie-detail", args=[movie.pk]))
    assert response.status_code == 200
    html = response.text
    assert '<p class="genres">Crime &amp; Heist · Thriller · 170 min</p>' in html
    assert "bank robbers" in html and "A Los Angeles crime saga" in html
    assert "https://www.imdb.com/title/tt0113277/" in html
    assert "https://www.themoviedb.org/movie/949" in html
    assert 'src="https://image.tmdb.org/t/p/w342/heat.jpg"' in html
    assert "4.25 average from 4 ratings" in html
    assert "Sign in</a> or" in html  # anonymous: no rating widget
    assert 'name="score"' not in html


def test_movie_without_a_poster_gets_a_placeholder_with_initials(client):
    movie = MovieFactory(title="Big Lebowski, The", year=1998)
    html = client.get(reverse("pages:movie-detail", args=[movie.pk])).text
    assert re.search(
        r'class="poster poster--placeholder" data-hue="\d+" aria-hidden="true">'
        r"<span>BL</span>",
        html,
    )
    assert "image.tmdb.org" not in html


def test_movie_page_shows_my_rating_in_the_widget_and_my_lists(client, user):
    movie = MovieFactory(title="Heat")
    rating_upsert(user=user, movie=movie, score="3.5")
    client.force_login(user)
    html = client.get(reverse("pages:movie-detail", args=[movie.pk])).text
    assert re.search(r'name="score" value="3.5" id="score-\d+-7" checked', html)
    assert html.count(" checked") == 1
    assert "Your rating: 3.5 ★" in html
    assert "Clear my rating" in html and "Add to watchlist" in html and "Not interested" in html
    assert html.count('name="csrfmiddlewaretoken"') >= 4  # every form, including sign out


def test_movie_page_more_like_this_and_also_liked(client, world, trained):  # noqa: F811
    movie = world.space[0]
    response = client.get(reverse("pages:movie-detail", args=[movie.pk]))
    more = titles(response.context["more_like_this"])
    also = titles(response.context["also_liked"])
    assert len(more) == 10 and all(title.startswith("Space") for title in more)
    assert also and all(title.startswith("Space") for title in also[:5])
    assert movie.title not in more + also
    assert "More like this" in response.text and "People who liked this also liked" in response.text


def test_movie_page_rows_leave_out_what_i_rated_or_dismissed_and_still_fill_ten(
    client,
    world,  # noqa: F811
    trained,  # noqa: F811
):
    movie, user = world.space[0], world.space_fans[0]
    client.force_login(user)
    before = client.get(reverse("pages:movie-detail", args=[movie.pk])).context
    rated = [*before["more_like_this"][:3], *before["also_liked"][:3]]
    for neighbour in rated:
        rating_upsert(user=user, movie=neighbour, score="4.0")
    dismissed = before["more_like_this"][3]
    not_interested_add(user=user, movie=dismissed)

    context = client.get(reverse("pages:movie-detail", args=[movie.pk])).context

    seen = (
        {m.pk for m in rated}
        | {dismissed.pk}
        | set(Rating.objects.filter(user=user).values_list("movie_id", flat=True))
    )
    for row in ("more_like_this", "also_liked"):
        assert len(context[row]) == 10
        assert not seen & {m.pk for m in context[row]}


def test_card_genres_cost_no_query_each(client, world, trained, django_assert_num_queries):  # noqa: F811
    client.get(reverse("pages:movie-detail", args=[world.space[1].pk]))  # loads the model
    # The movie and its people; the serving versions and the "more like this" cards (scored
    # in process); the serving model's id and the "also liked" cards; the neighbours' map
    # points; the film's reviews section (its sorts in one query). None per card or per
    # credit.
    for position in range(TOP_BILLED):
        CreditFactory(movie=world.space[0], position=position)
    CreditFactory(movie=world.space[0], role=Credit.Role.DIRECTOR)
    with django_assert_num_queries(8):
        response = client.get(reverse("pages:movie-detail", args=[world.space[0].pk]))
    cards = response.context["more_like_this"] + response.context["also_liked"]
    assert len(cards) >= 10
    assert response.text.count('<span class="genres">Sci-Fi</span>') >= len(cards)


def test_movie_page_draws_its_neighbourhood_from_the_map(client, world):  # noqa: F811
    movie = world.space[0]
    url = reverse("pages:movie-detail", args=[movie.pk])
    assert "Its neighbourhood" not in client.get(url).text  # no map yet: no mini-map

    stored = MovieMap.objects.create(source_hash="x", movie_count=40, seconds=1.0)
    MovieMapPoint.objects.bulk_create(
        MovieMapPoint(movie=m, movie_map=stored, x=float(i), y=float(i % 5), cluster=0)
        for i, m in enumerate(world.space + world.romance)
    )
    response = client.get(url)

    points = response.context["neighbourhood"]
    assert points[0].movie == movie and points[0].is_centre
    assert len(points) == 13  # the film and its 12 nearest
    assert {p.movie.title[:5] for p in points[1:]} == {"Space"}
    html = response.text
    assert "Its neighbourhood" in html
    assert html.count("<circle ") == 13
    assert f'href="/movies/{points[5].movie.pk}/"' in html
    assert f"<title>{movie.display_title}</title>" in html
    assert len(response.context["more_like_this"]) == 10  # the row shows 10 of them

    # A film that is not on the map yet (embedded after the last run) has no mini-map.
    MovieMapPoint.objects.filter(movie=movie).delete()
    assert "Its neighbourhood" not in client.get(url).text


@pytest.mark.parametrize("hidden", [True, None])
def test_unknown_or_hidden_movie_is_a_404(client, hidden):
    movie_id = MovieFactory(is_hidden=True).pk if hidden else 999_999
    response = client.get(reverse("pages:movie-detail", args=[movie_id]))
    assert response.status_code == 404


# Predicted ratings


def _unrated(user, movies):
    rated = set(user.ratings.values_list("movie_id", flat=True))
    return [movie for movie in movies if movie.pk not in rated]


def test_movie_page_says_what_we_think_you_would_rate_it(client, world, trained):  # noqa: F811
    fan = world.space_fans[0]
    movie = _unrated(fan, world.space)[0]
    client.force_login(fan)
    response = client.get(reverse("pages:movie-detail", args=[movie.pk]))
    predicted = response.context["predicted"]
    assert 3.5 < predicted <= 5.0
    assert f'We think you\'d rate it <strong><span aria-hidden="true">★</span>{predicted:.1f}' in (
        response.text
    )
    # Rating it replaces the prediction with the rating, at once (htmx panel and page).
    panel = client.post(
        reverse("pages:rate", args=[movie.pk]), {"score": "2.0"}, HTTP_HX_REQUEST="true"
    )
    assert "We think you'd rate it" not in panel.text and "You rated" in panel.text
    again = client.get(reverse("pages:movie-detail", args=[movie.pk]))
    assert again.context["predicted"] is None and "predicted-score--large" not in again.text


def test_movie_page_predicts_nothing_for_anonymous_users(client, world, trained):  # noqa: F811
    response = client.get(reverse("pages:movie-detail", args=[world.space[0].pk]))
    assert response.context["predicted"] is None
    assert "We think you'd rate it" not in response.text and "For you" not in response.text
    assert "predicted-score" not in response.text


def test_cards_show_predictions_on_the_list_and_home(client, world, trained):  # noqa: F811
    fan = world.romance_fans[0]
    client.force_login(fan)
    page = client.get(reverse("pages:movie-list")).context["page"]
    unrated = _unrated(fan, page)
    assert unrated and all(movie.predicted_score is not None for movie in unrated)
    assert all(movie.predicted_score is None for movie in page if movie not in unrated)
    home = client.get(reverse("pages:home"))
    picks = home.context["picks"]
    assert picks and all(0.5 <= movie.predicted_score <= 5.0 for movie in picks)
    first = picks[0].predicted_score
    assert f'title="We think you\'d rate it {first:.1f} stars">For you {first:.1f} ★' in home.text


def test_the_lists_prediction_costs_no_query_per_card(
    client,
    world,  # noqa: F811
    trained,  # noqa: F811
    django_assert_num_queries,
):
    fan = world.space_fans[0]
    client.force_login(fan)
    client.get(reverse("pages:movie-list"))  # loads the rating model
    shown = {}
    for params in ({"year_min": 2009}, {}):  # 2 cards, then a full page of 24
        # session, user, genre choices, count, page, genres prefetch, my ratings, prediction,
        # the header's unread notifications
        with django_assert_num_queries(9):
            response = client.get(reverse("pages:movie-list"), params)
        page = response.context["page"]
        shown[len(page)] = response.text.count("For you ")
        assert shown[len(page)] == len(_unrated(fan, page))
    assert set(shown) == {2, 24}


# People


def test_movie_page_links_directors_writers_and_the_top_billed_cast(client):
    movie = MovieFactory(title="Toy Story")
    lasseter = PersonFactory(name="John Lasseter")
    CreditFactory(movie=movie, person=lasseter, role=Credit.Role.DIRECTOR, position=0)
    CreditFactory(movie=movie, person__name="Joss Whedon", role=Credit.Role.WRITER, position=0)
    cast = [
        CreditFactory(movie=movie, person__name=f"Actor {n}", character=f"Role {n}", position=n)
        for n in reversed(range(TOP_BILLED + 1))
    ][::-1]

    html = client.get(reverse("pages:movie-detail", args=[movie.pk])).text

    person_url = reverse("pages:person-detail", args=[lasseter.pk])
    assert f'Directed by <a href="{person_url}">John Lasseter</a></p>' in html
    assert "Written by <a " in html and ">Joss Whedon</a>" in html
    shown = re.findall(
        r'<li><a href="/people/(\d+)/">Actor (\d+)</a> <span class="muted">as Role', html
    )
    assert [(int(pk), int(n)) for pk, n in shown] == [
        (credit.person_id, n) for n, credit in enumerate(cast[:TOP_BILLED])
    ]
    assert f"Actor {TOP_BILLED}<" not in html


def test_movie_without_credits_shows_no_people_sections(client):
    html = client.get(reverse("pages:movie-detail", args=[MovieFactory().pk])).text
    assert "Directed by" not in html and 'class="cast"' not in html


def test_person_page_lists_films_by_role_newest_first_without_hidden_ones(client):
    person = PersonFactory(name="Clint Eastwood", tmdb_id=190, profile_path="/clint.jpg")
    unforgiven = MovieFactory(title="Unforgiven", year=1992)
    gran_torino = MovieFactory(title="Gran Torino", year=2008)
    dirty_harry = MovieFactory(title="Dirty Harry", year=1971)
    for movie in (unforgiven, gran_torino):
        CreditFactory(movie=movie, person=person, role=Credit.Role.DIRECTOR)
    CreditFactory(movie=unforgiven, person=person, character="Will Munny")
    CreditFactory(movie=dirty_harry, person=person, character="Harry Callahan")
    CreditFactory(movie=MovieFactory(title="Secret", is_hidden=True), person=person)

    response = client.get(reverse("pages:person-detail", args=[person.pk]))

    filmography = response.context["filmography"]
    assert titles(filmography.directed) == ["Gran Torino", "Unforgiven"]
    assert titles(filmography.acted) == ["Unforgiven", "Dirty Harry"]
    html = response.text
    assert "<h1>Clint Eastwood</h1>" in html
    assert 'src="https://image.tmdb.org/t/p/w185/clint.jpg"' in html
    assert "https://www.themoviedb.org/person/190" in html
    assert "as Harry Callahan" in html and "as Will Munny" in html
    assert "Secret" not in html


def test_unknown_person_is_a_404(client):
    assert client.get(reverse("pages:person-detail", args=[999_999])).status_code == 404


def test_person_page_shows_my_ratings_and_predictions_at_a_fixed_query_count(
    client,
    world,  # noqa: F811
    trained,  # noqa: F811
    django_assert_num_queries,
):
    fan = world.space_fans[0]
    person = PersonFactory(name="Space Star")
    for movie in world.space[:3]:
        CreditFactory(movie=movie, person=person, character="Captain")
    client.force_login(fan)
    client.get(reverse("pages:person-detail", args=[person.pk]))  # loads the rating model
    for movie in world.space[3:12]:  # one film more each time
        # person, credits, movies, session, user, my ratings, the serving model's prediction,
        # the header's unread notifications
        with django_assert_num_queries(8):
            response = client.get(reverse("pages:person-detail", args=[person.pk]))
        CreditFactory(movie=movie, person=person, role=Credit.Role.DIRECTOR)
    films = response.context["filmography"].movies
    unrated = _unrated(fan, films)
    rated = [movie for movie in films if movie not in unrated]
    assert rated and unrated
    assert all(movie.my_score is not None for movie in rated)
    assert all(movie.predicted_score is not None for movie in unrated)
    assert response.text.count("You rated it") == len(rated)
    assert response.text.count("For you ") == len(unrated)


# The movie map's marks


def test_my_films_on_the_map(client, user):
    url = reverse("pages:movie-map-mine")
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
