import pytest

from catalog.documents import MAX_CAST, document_hash, movie_document, movies_for_documents
from catalog.models import Credit, Movie
from tests.factories import CreditFactory, GenreFactory, MovieFactory, PersonFactory


@pytest.fixture
def jurassic_park(db):
    return MovieFactory(
        title="Jurassic Park",
        year=1993,
        genres=[GenreFactory(name="Thriller"), GenreFactory(name="Adventure")],
        overview="A theme park of cloned dinosaurs loses power.",
        tagline="An adventure 65 million years in the making.",
        keywords=["dinosaur", "island", "Dinosaur"],
        movielens_tags=[f"tag{n}" for n in range(15)],
    )


def test_a_full_document_has_every_part_in_order(jurassic_park):
    CreditFactory(movie=jurassic_park, role=Credit.Role.DIRECTOR, person__name="Steven Spielberg")
    CreditFactory(movie=jurassic_park, role=Credit.Role.CAST, position=0, person__name="Sam Neill")
    assert movie_document(jurassic_park) == (
        "Jurassic Park (1993).\n"
        "Genres: Adventure, Thriller.\n"
        "Directed by Steven Spielberg.\n"
        "Starring Sam Neill.\n"
        "A theme park of cloned dinosaurs loses power.\n"
        "An adventure 65 million years in the making.\n"
        "Keywords: dinosaur, island.\n"
        "Tags: tag0, tag1, tag2, tag3, tag4, tag5, tag6, tag7, tag8, tag9."
    )


@pytest.mark.django_db
def test_a_movie_without_overview_still_gets_title_genres_tags_and_keywords():
    movie = MovieFactory(
        title="Toy Story",
        year=1995,
        genres=[GenreFactory(name="Comedy"), GenreFactory(name="Animation")],
        keywords=["toy"],
        movielens_tags=["pixar", "Pixar", " ", "fun"],
    )
    assert movie_document(movie) == (
        "Toy Story (1995).\nGenres: Animation, Comedy.\nKeywords: toy.\nTags: pixar, fun."
    )


@pytest.mark.django_db
def test_a_bare_movie_is_its_title():
    assert movie_document(MovieFactory(title="Untitled", year=None)) == "Untitled."


@pytest.mark.django_db
def test_the_most_used_tags_come_first_and_the_rest_is_dropped():
    movie = MovieFactory(movielens_tags=["most used", *(f"t{n}" for n in range(20)), "least used"])
    tags_line = movie_document(movie).splitlines()[-1]
    assert tags_line.startswith("Tags: most used, t0, t1,")
    assert "t9" not in tags_line and "least used" not in tags_line


def test_the_document_does_not_depend_on_genre_order(jurassic_park):
    before = movie_document(jurassic_park)
    jurassic_park.genres.set(reversed(list(jurassic_park.genres.all())))
    reloaded = movies_for_documents(movie_ids=[jurassic_park.pk]).get()
    assert movie_document(reloaded) == before


def test_a_batch_costs_three_queries_however_many_movies(jurassic_park, django_assert_num_queries):
    for _ in range(5):
        movie = MovieFactory(genres=[GenreFactory(name="Drama")])
        CreditFactory(movie=movie, role=Credit.Role.DIRECTOR)
        CreditFactory(movie=movie, role=Credit.Role.CAST, position=0)
    ids = list(Movie.objects.values_list("pk", flat=True))
    with django_assert_num_queries(3):
        documents = [movie_document(movie) for movie in movies_for_documents(movie_ids=ids)]
    assert len(documents) == 6


def test_the_hash_is_a_stable_sha256_of_the_text():
    assert document_hash("Toy Story (1995).") == (
        "a2c97e23d70ec20d0260768000ee9ba537c85354d75f44b19b8c1bfba9287c74"
    )
    assert document_hash("Toy Story (1995).") == document_hash("Toy Story (1995).")
    assert document_hash("Toy Story (1995).") != document_hash("Toy Story (1996).")


def test_people_are_the_directors_and_the_top_billed_cast_in_billing_order(jurassic_park):
    for position in reversed(range(MAX_CAST + 2)):
        CreditFactory(
            movie=jurassic_park,
            role=Credit.Role.CAST,
            position=position,
            person=PersonFactory(name=f"Actor {position}"),
        )
    for position, name in enumerate(["B Director", "A Director"]):
        CreditFactory(
            movie=jurassic_park, role=Credit.Role.DIRECTOR, position=position, person__name=name
        )
    CreditFactory(movie=jurassic_park, role=Credit.Role.WRITER, person__name="Some Writer")
    reloaded = movies_for_documents(movie_ids=[jurassic_park.pk]).get()

    text = movie_document(reloaded)

    assert "Directed by B Director, A Director.\n" in text
    assert f"Starring {', '.join(f'Actor {n}' for n in range(MAX_CAST))}.\n" in text
    assert "Writer" not in text
    assert text == movie_document(jurassic_park)  # prefetched or not, the same text


def test_a_change_of_cast_changes_the_hash(jurassic_park):
    before = document_hash(movie_document(jurassic_park))
    CreditFactory(movie=jurassic_park, role=Credit.Role.CAST, position=0, person__name="Laura Dern")
    assert document_hash(movie_document(jurassic_park)) != before
