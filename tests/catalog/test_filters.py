import pytest

from catalog.filters import MovieFilters
from catalog.models import Movie
from tests.factories import GenreFactory, MovieFactory


def test_rejects_a_decade_that_is_not_a_decade():
    with pytest.raises(ValueError, match="multiple of 10"):
        MovieFilters(decade=1995)


def test_rejects_an_inverted_year_range():
    with pytest.raises(ValueError, match="after"):
        MovieFilters(year_min=2000, year_max=1990)


@pytest.mark.django_db
def test_filters_by_genre_decade_and_year_range():
    drama, comedy = GenreFactory(name="Drama"), GenreFactory(name="Comedy")
    old_drama = MovieFactory(year=1994, genres=[drama])
    new_drama = MovieFactory(year=2004, genres=[drama])
    MovieFactory(year=1996, genres=[comedy])

    def titles(filters):
        return set(Movie.objects.filter(filters.q()).distinct())

    assert titles(MovieFilters(genre="drama")) == {old_drama, new_drama}
    assert titles(MovieFilters(genre="Drama", decade=1990)) == {old_drama}
    assert titles(MovieFilters(genre="Drama", year_min=2000, year_max=2010)) == {new_drama}
    assert MovieFilters().is_empty and not MovieFilters(decade=1990).is_empty
