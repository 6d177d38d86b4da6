"""People in the API: a movie's directors, writers and cast, and a person with their films."""

import pytest

from catalog.models import Credit
from catalog.selectors import TOP_BILLED
from tests.api.conftest import V1, error_of, token_client
from tests.factories import CreditFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_movie_detail_lists_directors_writers_and_the_top_billed_cast(anon, movies):
    heat = movies["heat"]
    mann = PersonFactory(name="Michael Mann", profile_path="/mann.jpg")
    CreditFactory(movie=heat, person=mann, role=Credit.Role.DIRECTOR, position=0)
    CreditFactory(movie=heat, person=mann, role=Credit.Role.WRITER, position=0)
    cast = [
        CreditFactory(movie=heat, person__name=f"Actor {n}", character=f"Role {n}", position=n)
        for n in range(TOP_BILLED + 2)
    ]

    body = anon.get(f"{V1}/movies/{heat.pk}/").json()

    director = {"id": mann.pk, "name": "Michael Mann", "profile_path": "/mann.jpg"}
    assert body["directors"] == [director]
    assert body["writers"] == [director]
    assert body["cast"] == [
        {"id": c.person_id, "name": f"Actor {n}", "profile_path": "", "character": f"Role {n}"}
        for n, c in enumerate(cast[:TOP_BILLED])
    ]


def test_movie_detail_without_credits_has_empty_people(anon, movies):
    body = anon.get(f"{V1}/movies/{movies['amelie'].pk}/").json()
    assert (body["directors"], body["writers"], body["cast"]) == ([], [], [])


def test_person_lists_visible_films_by_role_with_characters(anon, movies):
    person = PersonFactory(name="Bill Murray", tmdb_id=1532)
    CreditFactory(movie=movies["groundhog"], person=person, character="Phil")
    CreditFactory(movie=movies["amelie"], person=person, role=Credit.Role.DIRECTOR)
    CreditFactory(movie=movies["heat"], person=person, character="Extra")
    CreditFactory(movie=movies["hidden"], person=person, character="Cut")

    body = anon.get(f"{V1}/people/{person.pk}/").json()

    assert {key: body[key] for key in ("id", "tmdb_id", "name", "profile_path")} == {
        "id": person.pk,
        "tmdb_id": 1532,
        "name": "Bill Murray",
        "profile_path": "",
    }
    assert [(c["role"], c["character"], c["movie"]["title"]) for c in body["credits"]] == [
        ("director", "", "Amélie"),
        ("cast", "Extra", "Heat"),
        ("cast", "Phil", "Groundhog Day"),
    ]
    assert body["credits"][0]["movie"]["predicted_score"] is None  # anonymous


def test_person_films_carry_my_predicted_stars(world, trained):
    fan = world.space_fans[0]
    rated = set(fan.ratings.values_list("movie_id", flat=True))
    person = PersonFactory()
    for movie in world.space[:10]:
        CreditFactory(movie=movie, person=person)

    body = token_client(fan).get(f"{V1}/people/{person.pk}/").json()

    movies = [credit["movie"] for credit in body["credits"]]
    assert len(movies) == 10
    for movie in movies:
        assert (movie["predicted_score"] is None) == (movie["id"] in rated)
    assert any(movie["predicted_score"] is not None for movie in movies)


@pytest.mark.parametrize("person_id", [999_999, 2**63])
def test_unknown_person_is_a_404_in_the_error_format(anon, person_id):
    error = error_of(anon.get(f"{V1}/people/{person_id}/"), 404, "not_found")
    assert error["message"] == f"No person {person_id}."
