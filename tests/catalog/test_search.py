"""Hybrid search on a small catalogue with real overviews, embedded by the real MiniLM."""

import pytest

from catalog import embedding, search
from catalog.filters import MovieFilters
from catalog.models import Credit, Movie
from catalog.search import search_movies
from catalog.selectors import movies_in_order
from catalog.services import movies_embed_dirty
from jobs.progress import NullProgress
from tests.factories import CreditFactory, GenreFactory, MovieFactory, PersonFactory

PLOTS = [
    ("The Godfather", 1972, "Crime", "The aging patriarch of an organized crime dynasty "
     "transfers control of his clandestine empire to his reluctant son."),
    ("The Godfather: Part II", 1974, "Crime", "The early life and career of Vito Corleone in "
     "1920s New York is portrayed, while his son expands the family's crime syndicate."),
    ("Goodfellas", 1990, "Crime", "The story of Henry Hill and his life in the mob, covering "
     "his relationship with his wife and his mob partners."),
    ("Jurassic Park", 1993, "Adventure", "A pragmatic paleontologist touring an almost complete "
     "island attraction is tasked with protecting two children after a power failure lets "
     "the park's cloned prehistoric beasts run loose."),
    ("Toy Story", 1995, "Animation", "A cowboy doll is profoundly threatened and jealous when "
     "a new spaceman action figure supplants him as top toy in a boy's bedroom."),
    ("Finding Nemo", 2003, "Animation", "After his son is captured in the Great Barrier Reef "
     "and taken to Sydney, a timid clownfish sets out on a journey to bring him home."),
    ("Alien", 1979, "Horror", "The crew of a commercial spacecraft encounters a deadly "
     "lifeform after investigating an unknown transmission."),
    ("Titanic", 1997, "Romance", "A seventeen-year-old aristocrat falls in love with a kind "
     "but poor artist aboard the luxurious, ill-fated R.M.S. Titanic."),
]  # fmt: skip


@pytest.fixture
def catalogue(db):
    for title, year, genre, overview in PLOTS:
        MovieFactory(title=title, year=year, overview=overview, genres=[GenreFactory(name=genre)])
    assert movies_embed_dirty(progress=NullProgress()).remaining == 0
    return {movie.title: movie for movie in Movie.objects.all()}


def titles(hits) -> list[str]:
    return [movie.title for movie in movies_in_order([hit.movie_id for hit in hits])]


def test_an_exact_title_puts_its_films_first(catalogue):
    hits = search_movies("Godfather", k=5).hits
    assert titles(hits)[:2] == ["The Godfather", "The Godfather: Part II"]
    assert (hits[0].keyword_rank, hits[0].title_rank) == (1, 1)


def test_a_paraphrased_plot_finds_the_movie(catalogue):
    # No title word, and not every word in the overview: only the meaning matches.
    hits = search_movies("dinosaurs escape a theme park", k=3).hits
    assert titles(hits)[0] == "Jurassic Park"
    assert hits[0].semantic_rank == 1


def test_a_typo_in_the_title_still_finds_the_movie(catalogue):
    hits = search_movies("godfathr", k=3).hits
    assert titles(hits)[0] == "The Godfather"
    assert hits[0].title_rank == 1
    assert hits[0].keyword_rank is None  # full text alone would have missed it


def test_filters_and_hidden_movies_narrow_every_ranking(catalogue):
    Movie.objects.filter(pk=catalogue["The Godfather"].pk).update(is_hidden=True)
    hits = search_movies("Godfather", k=5, filters=MovieFilters(decade=1970)).hits
    assert "The Godfather" not in titles(hits)
    assert titles(hits)[0] == "The Godfather: Part II"
    assert all(1970 <= movie.year <= 1979 for movie in movies_in_order([h.movie_id for h in hits]))


def test_results_are_at_most_k_and_best_first(catalogue):
    assert titles(search_movies("Godfather", k=1).hits) == ["The Godfather"]
    hits = search_movies("Godfather", k=8).hits
    assert len(hits) > 1
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_an_exact_title_comes_first_even_when_it_scores_less(catalogue):
    MovieFactory(title="Alien Nation", year=1988, overview="An alien lifeform crew in a "
                 "spacecraft: a commercial deadly transmission, investigated.")  # fmt: skip
    assert movies_embed_dirty(progress=NullProgress()).remaining == 0

    hits = search_movies("alien", k=3).hits

    assert titles(hits)[0] == "Alien" and hits[0].exact_title
    assert not hits[1].exact_title


@pytest.mark.parametrize("query", ["Tom Hanks", "Poseidon", "zzyzx quux"])
def test_a_query_no_film_is_about_finds_nothing_rather_than_the_nearest(catalogue, query):
    # Every film is some distance from any query: before the relevance floor, all eight
    # came back, led by whichever happened to be nearest.
    assert search_movies(query, k=8).hits == []


def test_semantic_nearness_alone_still_finds_a_film_that_is_about_the_query(catalogue):
    assert titles(search_movies("animated toys", k=8).hits) == ["Toy Story"]


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_an_empty_query_is_refused(query):
    with pytest.raises(ValueError, match="Search query is empty"):
        search_movies(query)


def test_a_repeated_query_is_encoded_once(catalogue, monkeypatch):
    encoded = []
    real_encode = embedding.encode
    monkeypatch.setattr(
        embedding, "encode", lambda texts: encoded.extend(texts) or real_encode(texts)
    )
    embedding._encode_query.cache_clear()

    first = search_movies("mafia family saga")
    again = search_movies("  mafia   family saga ")

    assert encoded == ["mafia family saga"]
    assert again == first


def test_a_renamed_movie_is_found_by_its_new_title_on_the_next_search(catalogue):
    assert search_movies("Poseidon", k=3).hits == []  # warms the title index
    titanic = catalogue["Titanic"]
    titanic.title = "Poseidon"
    titanic.save()

    hits = search_movies("Poseidon", k=3).hits

    assert titles(hits)[0] == "Poseidon" and hits[0].title_rank == 1


def test_title_matches_past_the_first_batch_are_checked_when_the_best_are_hidden(
    catalogue, monkeypatch
):
    monkeypatch.setattr(search, "CANDIDATES", 1)  # batches of two
    MovieFactory.create_batch(2, title="Godfather", is_hidden=True)  # closest titles

    hits = search_movies("Godfather", k=3).hits

    assert titles(hits)[0] == "The Godfather" and hits[0].title_rank == 1


def test_a_persons_name_finds_their_films_leading_roles_first(catalogue):
    hanks = PersonFactory(name="Tom Hanks")
    CreditFactory(movie=catalogue["Toy Story"], person=hanks, position=0)
    CreditFactory(movie=catalogue["Finding Nemo"], person=hanks, position=9)
    CreditFactory(movie=catalogue["Alien"], person=PersonFactory(name="Tom Skerritt"))
    CreditFactory(movie=catalogue["Titanic"], person=PersonFactory(name="Hanks Other"), position=0)
    hidden = MovieFactory(title="Hidden", is_hidden=True)
    CreditFactory(movie=hidden, person=hanks, position=0)

    hits = search_movies("tom  HANKS", k=8).hits

    by_person = sorted((hit for hit in hits if hit.person_rank), key=lambda hit: hit.person_rank)
    assert titles(by_person) == ["Toy Story", "Finding Nemo"]
    assert titles(hits)[:2] == ["Toy Story", "Finding Nemo"]


def test_a_director_finds_their_films(catalogue):
    coppola = PersonFactory(name="Francis Ford Coppola")
    for title in ("The Godfather", "The Godfather: Part II"):
        CreditFactory(movie=catalogue[title], person=coppola, role=Credit.Role.DIRECTOR)

    hits = search_movies("Coppola", k=3).hits

    assert set(titles(hits)[:2]) == {"The Godfather", "The Godfather: Part II"}
    assert all(hit.person_rank for hit in hits[:2])


def test_a_title_still_beats_a_person_sharing_a_word_with_it(catalogue):
    CreditFactory(movie=catalogue["Goodfellas"], person=PersonFactory(name="Alien Actor"))

    hits = search_movies("Alien", k=3).hits

    assert titles(hits)[0] == "Alien"


def test_a_name_nobody_in_the_cast_and_crew_has_is_told(catalogue):
    for query in ("Tom Hanks", "tom hanks"):  # written as a name, or about no film
        results = search_movies(query)
        assert (results.unknown_person, results.people_known, results.people) == (True, False, [])

    skerritt = PersonFactory(name="Tom Skerritt")
    CreditFactory(movie=catalogue["Alien"], person=skerritt)
    results = search_movies("Tom Hanks")
    assert (results.unknown_person, results.people_known, results.people) == (True, True, [])

    results = search_movies("tom skerritt")
    assert (results.unknown_person, results.people) == (False, [skerritt])
    assert titles(results.hits) == ["Alien"]


@pytest.mark.parametrize(
    "query",
    ["Godfather", "The Godfather", "mafia family saga", "dinosaurs escape a theme park",
     "Toy Story 2", "the the", "Alien"],
)  # fmt: skip
def test_titles_and_descriptions_are_not_taken_for_a_persons_name(catalogue, query):
    assert not search_movies(query).unknown_person
