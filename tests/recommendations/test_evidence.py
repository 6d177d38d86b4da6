import numpy as np
import pytest

from recommendations.evidence import (
    FRANCHISE_MAX_FILMS,
    evidence_build,
    evidence_from,
    franchise_stem,
    franchises,
)
from tests.factories import CreditFactory, GenreFactory, MovieFactory, PersonFactory


@pytest.mark.parametrize(
    ("title", "stem"),
    [
        ("Toy Story 2", ("toy", "story")),
        ("The Matrix Reloaded", ("matrix", "reloaded")),
        ("The Lost World: Jurassic Park", ("lost", "world")),
        ("Star Wars: Episode IV - A New Hope", ("star", "wars")),
        ("Jurassic Park III", ("jurassic", "park")),
        ("Harry Potter and the Chamber of Secrets", ("harry", "potter", "and", "the", "chamber")),
        ("The Godfather: Part II", ("godfather",)),
    ],
)
def test_a_franchise_stem_drops_the_article_subtitle_and_sequel_number(title, stem):
    assert franchise_stem(title)[: len(stem)] == stem


def titles_related(titles: list[str]) -> dict[str, list[str]]:
    return {
        title: [titles[row] for row in rows]
        for title, rows in zip(titles, franchises(titles), strict=True)
    }


def test_franchises_join_sequels_prequels_and_subtitled_films():
    titles = [
        "The Matrix",
        "The Matrix Reloaded",
        "The Matrix Revolutions",
        "Jurassic Park",
        "The Lost World: Jurassic Park",
        "Toy Story",
        "Toy Story 2",
        "Braveheart",
    ]

    related = titles_related(titles)

    assert related["The Matrix"] == ["The Matrix Reloaded", "The Matrix Revolutions"]
    assert related["The Matrix Reloaded"] == ["The Matrix", "The Matrix Revolutions"]
    assert related["Jurassic Park"] == ["The Lost World: Jurassic Park"]
    assert related["The Lost World: Jurassic Park"] == ["Jurassic Park"]
    assert related["Toy Story 2"] == ["Toy Story"]
    assert related["Braveheart"] == []


def test_short_and_common_words_make_no_franchise():
    # "Heat" must open the other title; "It" is too short to say anything.
    titles = ["Heat", "In the Heat of the Night", "It", "It Happened One Night"]
    assert all(not rows for rows in titles_related(titles).values())
    # A word in more titles than a franchise ever has is a common word.
    common = ["Love", *(f"Love Story {chr(65 + i)}" for i in range(FRANCHISE_MAX_FILMS))]
    assert titles_related(common)["Love"] == []


def test_genre_match_weighs_the_distinctive_genre_most():
    evidence = evidence_from(
        movie_ids=np.array([1, 2, 3, 4]),
        titles=["A", "B", "C", "D"],
        genres=[["Animation", "Comedy"], ["Animation"], ["Comedy"], ["Comedy", "Drama"]],
        terms=[[], [], [], []],
    )

    animation = evidence.distinctive_genre(0)
    assert evidence.genres[:, animation].tolist() == [1, 1, 0, 0]
    match = evidence.genre_match(0)
    # Animation: log(4/2); Comedy, in three films: log(4/3).
    share = np.log(2) / (np.log(2) + np.log(4 / 3))
    assert match.tolist() == pytest.approx([1.0, share, 1 - share, 1 - share])


def test_shared_terms_are_the_tf_idf_cosine_and_ignore_terms_only_one_film_has():
    evidence = evidence_from(
        movie_ids=np.array([1, 2, 3]),
        titles=["A", "B", "C"],
        genres=[[], [], []],
        terms=[["dinosaur", "spielberg"], ["dinosaur", "own"], ["x"]],
    )

    shared = evidence.shared_terms(0)

    assert shared[0] == pytest.approx(1.0)
    assert shared[1] == pytest.approx(1.0)  # "spielberg" and "own" are theirs alone
    assert shared[2] == 0.0


@pytest.mark.django_db
def test_evidence_build_reads_genres_keywords_tags_directors_and_billed_cast():
    sci_fi = GenreFactory(name="Sci-Fi")
    matrix = MovieFactory(title="The Matrix", keywords=["simulated reality"], genres=[sci_fi])
    sequel = MovieFactory(title="The Matrix Reloaded", movielens_tags=["Simulated Reality"])
    director = PersonFactory()
    for movie in (matrix, sequel):
        CreditFactory(movie=movie, person=director, role="director", position=0)
    extra = PersonFactory()
    CreditFactory(movie=matrix, person=extra, position=40)  # billed too low to count
    CreditFactory(movie=MovieFactory(title="Other"), person=extra, position=0)

    evidence = evidence_build()
    rows, found = evidence.rows(np.array([matrix.pk, sequel.pk]))

    assert found.all()
    assert evidence.distinctive_genre(int(rows[0])) is not None
    assert evidence.same_franchise(int(rows[0]))[rows[1]] == 1.0
    shared = evidence.shared_terms(int(rows[0]))
    # The director, and a TMDB keyword that is the other's MovieLens tag.
    assert shared[rows[1]] == pytest.approx(1.0)
    missing = evidence_build(np.array([matrix.pk, matrix.pk + 999]))
    assert missing.terms[1].nnz == 0 and not missing.genres[1].any()
