import numpy as np
import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from catalog.filters import MovieFilters
from catalog.models import Movie
from recommendations import catalog_arrays
from recommendations.catalog_arrays import catalog_arrays_for
from recommendations.hybrid import recommend_for_user
from recommendations.selectors import recommender_versions
from tests.factories import GenreFactory, MovieFactory
from tests.recommendations.conftest import unit_vector

pytestmark = pytest.mark.django_db


def current():
    return catalog_arrays_for(recommender_versions(user_id=None).catalogue)


def ids(recs) -> list[int]:
    return [rec.movie.pk for rec in recs]


@pytest.mark.parametrize(
    "filters",
    [
        MovieFilters(),
        MovieFilters(genre="sci-fi"),
        MovieFilters(decade=1990),
        MovieFilters(year_min=1995),
        MovieFilters(year_max=1995),
        MovieFilters(genre="Romance", year_min=1992, year_max=2005),
        MovieFilters(genre="Western"),
    ],
)
def test_filters_select_the_same_movies_as_the_database(world, filters):
    MovieFactory(title="Undated", year=None)  # NULL years fail every year filter, as in SQL
    Movie.objects.filter(pk=world.space[0].pk).update(is_hidden=True)
    expected = set(
        Movie.objects.filter(is_hidden=False).filter(filters.q()).values_list("pk", flat=True)
    )

    catalogue = catalog_arrays.catalog_arrays_build()
    allowed = catalogue.allowed(filters, np.array([world.romance[5].pk]))

    assert set(catalogue.movie_ids[allowed].tolist()) == expected - {world.romance[5].pk}


def test_popular_and_nearest_follow_counts_and_cosine(world):
    catalogue = current()
    everything = catalogue.allowed(MovieFilters(), np.array([], dtype=np.int64))

    popular = catalogue.popular_ids(5, everything).tolist()
    ordered = list(Movie.objects.order_by("-rating_count", "pk").values_list("pk", flat=True)[:5])
    assert popular == ordered

    space_axis = np.zeros(384, dtype=np.float32)
    space_axis[0] = 1.0
    nearest = catalogue.content.nearest(space_axis, 20, everything)
    assert {pk for pk in nearest.tolist()} == {movie.pk for movie in world.space}


def test_a_new_movie_is_seen_on_the_next_call(world):
    before = current()
    late = MovieFactory(title="Late arrival", embedding=unit_vector(0, np.random.default_rng(1)))

    after = current()

    assert after is not before and late.pk in after.movie_ids
    assert current() is after  # unchanged catalogue: no rebuild


def test_a_hidden_movie_is_never_served_even_before_the_catalogue_notices(world, trained):
    fan = world.space_fans[0]
    first = recommend_for_user(fan, k=5)[0].movie
    # A raw UPDATE that leaves updated_at alone: the in-process copy still says visible.
    Movie.objects.filter(pk=first.pk).update(is_hidden=True)

    recs = recommend_for_user(fan, k=5)

    assert len(recs) == 5 and first.pk not in ids(recs)


def test_popularity_is_refreshed_after_max_age(world, monkeypatch):
    newcomer = User.objects.create(username="newcomer", password="!")
    recommend_for_user(newcomer, k=3)
    obscure = world.romance[19]
    Movie.objects.filter(pk=obscure.pk).update(rating_count=10_000)  # updated_at unchanged
    assert obscure.pk not in ids(recommend_for_user(newcomer, k=3))

    monkeypatch.setattr(catalog_arrays, "MAX_AGE_SECONDS", 0)
    caches["recommendations"].clear()  # ranked lists are kept as long again

    assert ids(recommend_for_user(newcomer, k=3))[0] == obscure.pk


def test_genres_come_from_the_link_table_in_one_query(world):
    GenreFactory(name="Empty genre")
    with CaptureQueriesContext(connection) as queries:
        catalogue = catalog_arrays.catalog_arrays_build()
    assert len(queries) == 1
    assert catalogue.genres["sci-fi"].sum() == 20 and "empty genre" not in catalogue.genres
