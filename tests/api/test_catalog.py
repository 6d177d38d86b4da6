"""Movies (list, filters, ordering, search, detail, "more like this"), genres, staff jobs, and
the error format for unknown URLs, methods and bodies."""

import numpy as np
import pytest

from catalog.services import movies_embed_dirty
from jobs.models import Job
from jobs.progress import NullProgress
from tests.api.conftest import V1, error_of, token_client
from tests.factories import CreditFactory, MovieFactory, PersonFactory, UserFactory, rate
from tests.recommendations.conftest import unit_vector

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [movie["title"] for movie in response.json()["results"]]


# --- List, filters, ordering -----------------------------------------------------------


def test_the_list_is_paginated_and_leaves_hidden_movies_out(anon, movies):
    first = anon.get(f"{V1}/movies/", {"page_size": 2, "ordering": "title"}).json()
    assert first["count"] == 5
    assert [m["title"] for m in first["results"]] == ["Amélie", "Groundhog Day"]
    assert first["previous"] is None
    last = anon.get(first["next"]).json()
    last = anon.get(last["next"]).json()
    assert [m["title"] for m in last["results"]] == ["Untitled Project"]
    assert last["next"] is None


@pytest.mark.parametrize("page", ["99", "abc", ""])
def test_a_page_past_the_end_or_not_a_number_is_a_404_in_the_error_format(anon, movies, page):
    error_of(anon.get(f"{V1}/movies/", {"page": page}), 404, "not_found")


def test_a_summary_has_what_a_poster_grid_needs(anon, movies, alice):
    rate(alice, movies["heat"], "4.0")
    heat = anon.get(f"{V1}/movies/", {"q": "Heat"}).json()["results"][0]
    assert heat == {
        "id": movies["heat"].pk,
        "title": "Heat",
        "year": 1995,
        "display_title": "Heat (1995)",
        "genres": ["Crime"],
        "poster_path": "",
        "rating_count": 1,
        "rating_mean": 4.0,
        "predicted_score": None,  # anonymous
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"genre": "comedy"}, {"Amélie", "Groundhog Day"}),
        ({"decade": 1990}, {"Groundhog Day", "Heat"}),
        ({"year_min": 1990, "year_max": 1995}, {"Groundhog Day", "Heat"}),
        ({"year_min": 2000}, {"Amélie"}),
        ({"genre": "drama", "year_max": 1980}, {"The Godfather"}),
        ({"genre": "Western"}, set()),
    ],
)
def test_filters(anon, movies, params, expected):
    assert set(titles(anon.get(f"{V1}/movies/", params))) == expected


def test_orderings(anon, movies, alice, bob):
    rate(alice, movies["groundhog"], "5.0")
    rate(bob, movies["groundhog"], "4.0")
    rate(alice, movies["heat"], "5.0")

    def ordered(ordering):
        return titles(anon.get(f"{V1}/movies/", {"ordering": ordering}))

    assert ordered("popularity")[:2] == ["Groundhog Day", "Heat"]
    assert ordered("rating")[:2] == ["Heat", "Groundhog Day"]
    assert ordered("year") == [
        "The Godfather", "Groundhog Day", "Heat", "Amélie", "Untitled Project"
    ]  # fmt: skip
    assert ordered("-year") == [
        "Amélie", "Heat", "Groundhog Day", "The Godfather", "Untitled Project"
    ]  # fmt: skip
    assert ordered("title")[0] == "Amélie"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"decade": 1995}, "decade"),
        ({"decade": "nineties"}, "decade"),
        ({"year_min": 1700}, "year_min"),
        ({"year_max": "soon"}, "year_max"),
        ({"ordering": "length"}, "ordering"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "heat", "ordering": "year"}, "ordering"),
    ],
)
def test_bad_parameters_are_field_errors(anon, movies, params, field):
    error = error_of(anon.get(f"{V1}/movies/", params), 400, "invalid")
    assert list(error["fields"]) == [field]


def test_crossed_years_are_a_400(anon, movies):
    response = anon.get(f"{V1}/movies/", {"year_min": 2000, "year_max": 1990})
    error = error_of(response, 400, "invalid")
    assert "year_min 2000 is after year_max 1990" in error["message"]


# --- Search ----------------------------------------------------------------------------


def test_search_orders_by_relevance_and_keeps_the_filters(anon, movies):
    MovieFactory(title="The Godfather Part II", year=1974, genres=[], rating_count=99)
    assert titles(anon.get(f"{V1}/movies/", {"q": "godfather"}))[:2] == [
        "The Godfather",
        "The Godfather Part II",
    ]
    assert titles(anon.get(f"{V1}/movies/", {"q": "godfather", "year_min": 1973})) == [
        "The Godfather Part II"
    ]


def test_a_search_names_the_people_it_matched_and_says_when_a_name_is_nobody(anon, movies):
    pacino = PersonFactory(name="Al Pacino")
    CreditFactory(movie=movies["heat"], person=pacino)

    found = anon.get(f"{V1}/movies/", {"q": "al pacino"}).json()
    assert (found["people"], found["notice"]) == ([{"id": pacino.pk, "name": "Al Pacino"}], "")
    assert [m["title"] for m in found["results"]] == ["Heat"]

    nobody = anon.get(f"{V1}/movies/", {"q": "Tom Hanks"}).json()
    assert nobody["people"] == []
    assert nobody["notice"] == "No one named “Tom Hanks” is in the cast and crew we know."

    browsing = anon.get(f"{V1}/movies/").json()
    assert "people" not in browsing and "notice" not in browsing


def test_search_pages_continue_the_ranking(anon, movies):
    MovieFactory(title="The Godfather Part II", year=1974, genres=[], rating_count=99)
    everything = titles(anon.get(f"{V1}/movies/", {"q": "godfather"}))
    first = anon.get(f"{V1}/movies/", {"q": "godfather", "page_size": 1}).json()
    second = anon.get(first["next"]).json()
    assert first["count"] == len(everything)
    assert [m["title"] for m in first["results"] + second["results"]] == everything[:2]


def test_search_finds_by_meaning_and_never_shows_hidden_movies(anon, movies):
    movies["heat"].overview = "A detective hunts a crew of professional bank robbers in LA."
    movies["heat"].save()
    movies["hidden"].overview = "Bank robbers plan one last heist."
    movies["hidden"].save()
    movies_embed_dirty(progress=NullProgress())
    # No word of the overview but "a" and "of": only the meaning matches.
    found = titles(anon.get(f"{V1}/movies/", {"q": "a police detective pursues a gang of robbers"}))
    assert found[0] == "Heat"
    assert "Withdrawn Film" not in found


# --- Detail ----------------------------------------------------------------------------


def test_detail_for_anonymous_users_has_no_viewer_state(anon, movies):
    body = anon.get(f"{V1}/movies/{movies['godfather'].pk}/").json()
    assert body["title"] == "The Godfather"
    assert body["genres"] == ["Crime", "Drama"]
    assert body["viewer"] is None


def test_detail_shows_my_rating_and_lists_and_not_someone_elses(alice, bob, movies):
    heat = movies["heat"]
    rate(alice, heat, "4.5")
    token_client(alice).put(f"{V1}/movies/{heat.pk}/watchlist/")
    token_client(bob).put(f"{V1}/movies/{heat.pk}/not-interested/")
    viewer = token_client(alice).get(f"{V1}/movies/{heat.pk}/").json()["viewer"]
    assert viewer == {"score": 4.5, "on_watchlist": True, "not_interested": False}
    viewer = token_client(bob).get(f"{V1}/movies/{heat.pk}/").json()["viewer"]
    assert viewer == {"score": None, "on_watchlist": False, "not_interested": True}


def test_detail_and_list_predict_my_stars_for_movies_i_have_not_rated(anon, world, trained):
    fan = token_client(world.space_fans[0])
    rated = set(world.space_fans[0].ratings.values_list("movie_id", flat=True))
    unrated = next(movie for movie in world.space if movie.pk not in rated)
    body = fan.get(f"{V1}/movies/{unrated.pk}/").json()
    assert 3.5 < body["predicted_score"] <= 5.0 and body["viewer"]["score"] is None
    assert fan.get(f"{V1}/movies/{min(rated)}/").json()["predicted_score"] is None
    assert anon.get(f"{V1}/movies/{unrated.pk}/").json()["predicted_score"] is None

    listed = fan.get(f"{V1}/movies/", {"page_size": 40}).json()["results"]
    assert len(listed) == 40
    for movie in listed:
        assert (movie["predicted_score"] is None) == (movie["id"] in rated)
    by_id = {movie["id"]: movie["predicted_score"] for movie in listed}
    assert by_id[unrated.pk] == body["predicted_score"]  # one owner, one number
    searched = fan.get(f"{V1}/movies/", {"q": "Romance"}).json()["results"]
    assert any(movie["predicted_score"] is not None for movie in searched)


@pytest.mark.parametrize("suffix", ["", "similar/", "also-liked/"])
def test_unknown_and_hidden_movies_are_404s(anon, movies, suffix):
    for movie_id in (movies["hidden"].pk, 999_999):
        error = error_of(anon.get(f"{V1}/movies/{movie_id}/{suffix}"), 404, "not_found")
        assert error["message"] == f"No movie {movie_id}."


# --- More like this --------------------------------------------------------------------


def test_similar_movies_are_the_nearest_by_content(anon, movies):
    rng = np.random.default_rng(3)
    for key, axis in (("godfather", 0), ("heat", 0), ("groundhog", 1), ("amelie", 1)):
        movies[key].embedding = unit_vector(axis, rng, noise=0.1)
        movies[key].save()
    response = anon.get(f"{V1}/movies/{movies['godfather'].pk}/similar/", {"k": 2})
    results = response.json()["results"]
    assert [r["movie"]["title"] for r in results][0] == "Heat"
    assert len(results) == 2
    assert results[0]["score"] > results[1]["score"]
    comedies = anon.get(
        f"{V1}/movies/{movies['godfather'].pk}/similar/", {"genre": "Comedy"}
    ).json()["results"]
    assert {r["movie"]["title"] for r in comedies} == {"Groundhog Day", "Amélie"}


@pytest.mark.parametrize("k", [0, 101, "ten"])
def test_similar_validates_k(anon, movies, k):
    response = anon.get(f"{V1}/movies/{movies['heat'].pk}/similar/", {"k": k})
    assert list(error_of(response, 400, "invalid")["fields"]) == ["k"]


# --- Genres ----------------------------------------------------------------------------


def test_genres_are_listed_by_name_without_pagination(anon, movies):
    assert [g["name"] for g in anon.get(f"{V1}/genres/").json()] == ["Comedy", "Crime", "Drama"]


def test_the_trivial_endpoint_costs_one_query(movies, django_assert_num_queries):
    # bench load's baseline: every API request's shared path plus one small query.
    client = token_client(UserFactory())
    client.get(f"{V1}/genres/")  # looks the token up and records its first use, then caches it
    with django_assert_num_queries(1):
        response = client.get(f"{V1}/genres/")
    assert [g["name"] for g in response.json()] == ["Comedy", "Crime", "Drama"]


# --- Staff -----------------------------------------------------------------------------


def test_jobs_are_for_staff_only(anon, alice):
    Job.objects.create(kind=Job.Kind.TRAINING, description="Retrain")
    staff = token_client(UserFactory(username="admin", is_staff=True))
    jobs = staff.get(f"{V1}/admin/jobs/").json()
    assert jobs["count"] == 1
    assert jobs["results"][0]["kind"] == "training"
    assert jobs["results"][0]["state"] == "queued"
    error_of(token_client(alice).get(f"{V1}/admin/jobs/"), 403, "permission_denied")
    error_of(anon.get(f"{V1}/admin/jobs/"), 401, "not_authenticated")


# --- The error format beyond views -----------------------------------------------------


def test_unknown_api_urls_are_404s_in_the_error_format(anon, db):
    error_of(anon.get(f"{V1}/nothing-here/"), 404, "not_found")
    error = error_of(anon.get(f"{V1}/movies"), 404, "not_found")
    assert "end with a slash" in error["message"]
    error_of(anon.get(f"{V1}/movies/not-a-number/"), 404, "not_found")


def test_unsupported_methods_are_405s(anon, as_alice, movies):
    error_of(anon.post(f"{V1}/movies/", {}), 405, "method_not_allowed")
    response = as_alice.post(f"{V1}/movies/{movies['heat'].pk}/rating/", {})
    error_of(response, 405, "method_not_allowed")


def test_malformed_json_is_a_parse_error(as_alice, movies):
    response = as_alice.put(
        f"{V1}/movies/{movies['heat'].pk}/rating/", "{score:", content_type="application/json"
    )
    error_of(response, 400, "parse_error")


def test_an_unsupported_body_type_is_a_415(as_alice, movies):
    response = as_alice.put(
        f"{V1}/movies/{movies['heat'].pk}/rating/", "score=4", content_type="text/plain"
    )
    error_of(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "query", ["page=1&page=2", "genre=Drama&genre=Comedy", "page_size=5&page_size=6"]
)
def test_a_repeated_query_parameter_is_refused(anon, movies, query):
    name = query.split("=")[0]
    error = error_of(anon.get(f"{V1}/movies/?{query}"), 400, "invalid")
    assert error["fields"] == {name: ["Give this parameter once."]}


def test_the_movie_list_opens_in_the_browsable_api(client, movies):
    response = client.get(f"{V1}/movies/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Heat" in response.content.decode()


def test_similar_costs_three_queries(anon, movies, django_assert_num_queries):
    rng = np.random.default_rng(4)
    for key in ("godfather", "heat", "amelie"):
        movies[key].embedding = unit_vector(0, rng)
        movies[key].save()
    url = f"{V1}/movies/{movies['godfather'].pk}/similar/"
    anon.get(url, {"k": 3})  # loads the catalogue into the process
    # The movie, the serving versions, and the films shown with their genres.
    with django_assert_num_queries(3):
        results = anon.get(url, {"k": 3, "genre": "Drama"}).json()["results"]
    # Every visible drama but the query: the embedded one first, then one without a vector.
    assert [result["movie"]["title"] for result in results] == ["Amélie", "Untitled Project"]
