"""Search on the real ml-latest-small catalogue: its titles (imported, so in their natural
form), its popularity (from its ratings) and its tags. Not embedded (that takes minutes):
the semantic ranking and its floor are tested on the embedded catalogue of test_search.py.
"""

import os

import pytest

from accounts.models import User
from catalog.models import Genre, Movie
from catalog.search import movie_suggestions, search_movies
from catalog.selectors import movies_in_order
from jobs.progress import NullProgress
from tests.conftest import ML_LATEST_SMALL

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.isdir(ML_LATEST_SMALL), reason=f"no {ML_LATEST_SMALL}"),
]


@pytest.fixture(scope="module")
def movielens(django_db_setup, django_db_blocker):
    """ml-latest-small imported once for the module, and removed after it."""
    from ratings.movielens.service import movielens_import

    with django_db_blocker.unblock():
        movielens_import(source=ML_LATEST_SMALL, progress=NullProgress())
        yield
        Movie.objects.all().delete()
        Genre.objects.all().delete()
        User.objects.filter(is_imported=True).delete()


def shown(results) -> list[str]:
    return [movie.display_title for movie in movies_in_order(results.movie_ids)]


def test_the_film_titled_as_the_query_comes_first(movielens, db):
    results = search_movies("Alien", k=100)

    # Alien³, Alien Nation and Alien from L.A. are as near by embedding and by title.
    assert shown(results)[0] == "Alien (1979)"
    assert results.hits[0].exact_title
    assert not any(hit.exact_title for hit in results.hits[1:])


def test_equal_titles_come_first_the_most_rated_first(movielens, db):
    assert shown(search_movies("Hamlet", k=100))[:6] == [
        "Hamlet (1996)",  # 16 ratings
        "Hamlet (1990)",  # 5
        "Hamlet (2000)",  # 3
        "Hamlet (1948)",  # 2
        "Hamlet (1964)",  # 1
        "Hamlet 2 (2008)",  # not the same title: after them
    ]
    # Articles aside: "The Heat" is titled "Heat" as well.
    assert shown(search_movies("heat", k=100))[:2] == ["Heat (1995)", "The Heat (2013)"]


def test_a_name_finds_only_what_mentions_it_not_titles_sharing_a_word(movielens, db):
    results = search_movies("Tom Hanks", k=100)

    # Tagged "Tom Hanks" by MovieLens users; no title holds his name.
    assert set(shown(results)) == {
        "Toy Story 2 (1999)",
        "The Da Vinci Code (2006)",
        "Road to Perdition (2002)",
        "Catch Me If You Can (2002)",
    }
    assert not {"Tom Horn (1980)", "Tom and Huck (1995)"} & set(shown(results))


def test_a_name_that_names_nobody_known_says_so(movielens, db):
    results = search_movies("Tom Hanks", k=100)

    assert results.people == []
    assert results.unknown_person
    assert not results.people_known  # ml-latest-small has no cast and crew


@pytest.mark.parametrize("query", ["Alien", "the matrix", "dinosaurs escape a theme park"])
def test_titles_and_descriptions_are_not_taken_for_names(movielens, db, query):
    assert not search_movies(query, k=10).unknown_person


def test_natural_titles_are_found_and_shown(movielens, db, client):
    das_boot = Movie.objects.get(movielens_id=1233)
    assert das_boot.title == "Das Boot (The Boat)"
    assert das_boot.movielens_title == "Boot, Das (Boat, The)"

    for query in ("Das Boot", "boot", "The Boat"):
        assert shown(search_movies(query, k=5))[0] == "Das Boot (The Boat) (1981)", query

    first = client.get("/api/v1/movies/", {"q": "Matrix"}).json()["results"][0]
    assert (first["title"], first["year"]) == ("The Matrix", 1999)
    assert "Das Boot (The Boat)" in client.get("/movies/", {"q": "das boot"}).text


def test_suggestions_start_with_the_typed_letters_most_rated_first(movielens, db):
    suggested = [(s.title, s.year) for s in movie_suggestions("al")]

    assert suggested[:4] == [
        ("Aladdin", 1992),  # 183 ratings
        ("Alien", 1979),  # 146
        ("Aliens", 1986),  # 126
        ("Almost Famous", 2000),  # 83
    ]
    assert len(suggested) == 8


def test_suggestions_also_match_a_later_word_and_skip_articles(movielens, db):
    assert ("Star Wars: Episode IV - A New Hope", 1977) in [
        (s.title, s.year) for s in movie_suggestions("wars")
    ]
    assert movie_suggestions("the matr")[0].title == "The Matrix"
    assert movie_suggestions("das bo")[0].title == "Das Boot (The Boat)"
