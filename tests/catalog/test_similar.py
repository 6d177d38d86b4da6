"""Similar movies ("more like this") through the HNSW index.

Most tests place movies at known angles from a query movie, so the exact
neighbours are known without a model; the slow test uses the real MiniLM model
on the real ml-latest-small catalogue.
"""

import importlib.util
import math
import os

import numpy as np
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.filters import MovieFilters
from catalog.models import Movie
from catalog.selectors import similar_movies
from jobs.progress import NullProgress
from tests.conftest import ML_LATEST_SMALL
from tests.factories import GenreFactory, MovieFactory

CATALOGUE_SIZE = 1500
NOIR_EVERY = 100  # 15 film noirs, spread over all distances


def unit_vector_at(angle: float) -> np.ndarray:
    """A unit vector at `angle` radians from the first axis, towards the second.

    All on one arc, so that distances between the movies follow their angles too.
    With random other directions, the nearest movies were about as far from each
    other as from the query: a hard geometry for the approximate HNSW search and the
    likely cause of an intermittent failure, where it missed some of the exact ten.
    """
    vector = np.zeros(384, dtype=np.float32)
    vector[0], vector[1] = math.cos(angle), math.sin(angle)
    return vector


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    """The query movie on the first axis; movie n at an angle growing with n.
    Committed once for the module rather than built again for every test."""
    with django_db_blocker.unblock():
        query = MovieFactory(title="Query", year=1950, embedding=np.eye(384, dtype=np.float32)[0])
        movies = Movie.objects.bulk_create(
            Movie(
                title=f"Neighbour {n}",
                year=1940 + n % 60,
                embedding=unit_vector_at(0.01 + n * 0.001),
                needs_embedding=False,
            )
            for n in range(CATALOGUE_SIZE)
        )
        noir = GenreFactory(name="Film-Noir")
        Movie.genres.through.objects.bulk_create(
            Movie.genres.through(movie_id=movie.pk, genre_id=noir.pk)
            for movie in movies[::NOIR_EVERY]
        )
        with connection.cursor() as cursor:
            # Fresh statistics, as autovacuum would have, so the planner sees 1500 rows.
            cursor.execute("ANALYZE catalog_movie, catalog_movie_genres")
        yield query, movies
        Movie.objects.filter(pk__in=[query.pk, *(movie.pk for movie in movies)]).delete()
        noir.delete()


def titles(movies) -> list[str]:
    return [movie.title for movie in movies]


@pytest.mark.django_db
def test_the_nearest_visible_movies_come_first_without_the_movie_itself(catalogue):
    query, movies = catalogue
    Movie.objects.filter(pk=movies[1].pk).update(is_hidden=True)
    similar = similar_movies(query, k=10)
    assert titles(similar) == [f"Neighbour {n}" for n in (0, *range(2, 11))]
    assert similar[0].similarity == pytest.approx(math.cos(0.01), abs=1e-5)
    assert similar[0].distance == pytest.approx(1 - similar[0].similarity)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (MovieFilters(genre="film-noir"), [n * NOIR_EVERY for n in range(10)]),
        (MovieFilters(decade=1990), [n for n in range(CATALOGUE_SIZE) if n % 60 >= 50][:10]),
        (
            MovieFilters(genre="Film-Noir", year_min=1940, year_max=1979),
            [n for n in range(0, CATALOGUE_SIZE, NOIR_EVERY) if n % 60 < 40][:10],
        ),
    ],
)
@pytest.mark.django_db
def test_selective_filters_still_return_exactly_k_in_order(catalogue, filters, expected):
    query, _ = catalogue
    assert len(expected) == 10
    assert titles(similar_movies(query, k=10, filters=filters)) == [
        f"Neighbour {n}" for n in expected
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("filters", [None, MovieFilters(year_min=1945)])
def test_the_query_walks_the_hnsw_index(catalogue, filters):
    query, _ = catalogue
    with CaptureQueriesContext(connection) as captured:
        similar_movies(query, k=10, filters=filters)
    [nearest_sql] = [q["sql"] for q in captured if "<=>" in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        # On 1,500 rows a sort is about as cheap as the index, so the planner's choice
        # flips; penalising sorts asks whether the SQL *can* walk the index at all
        # (a wrong operator class, a join or DISTINCT would rule it out).
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(f"EXPLAIN {nearest_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using movie_embedding_hnsw" in plan, plan


@pytest.mark.django_db
def test_a_movie_without_embedding_has_no_similar_movies():
    assert similar_movies(MovieFactory(embedding=None)) == []


@pytest.mark.slow
@pytest.mark.django_db
def test_toy_story_2_is_among_the_neighbours_of_toy_story_in_ml_latest_small():
    if importlib.util.find_spec("ratings.movielens") is None:
        pytest.skip("the MovieLens importer is not there yet")
    if not os.path.isdir(ML_LATEST_SMALL):
        pytest.skip(f"{ML_LATEST_SMALL} is not present")
    from catalog.services import movies_embed_dirty
    from ratings.movielens.service import movielens_import

    movielens_import(source=ML_LATEST_SMALL, progress=NullProgress())
    assert movies_embed_dirty(progress=NullProgress()).remaining == 0

    toy_story = Movie.objects.get(title="Toy Story", year=1995)
    neighbours = [movie.display_title for movie in similar_movies(toy_story, k=10)]
    assert "Toy Story 2 (1999)" in neighbours, neighbours
