import pytest

from catalog.models import Movie
from catalog.selectors import movie_get, movies_visible_with_genre_names
from tests.factories import GenreFactory, MovieFactory


def test_visible_movies_come_with_all_their_genre_names_in_one_query(db, django_assert_num_queries):
    drama, comedy, crime = (
        GenreFactory(name="Drama"),
        GenreFactory(name="Comedy"),
        GenreFactory(name="Crime"),
    )
    heat = MovieFactory(title="Heat", genres=[drama, crime])
    fargo = MovieFactory(title="Fargo", genres=[crime, comedy, drama])
    bare = MovieFactory(title="No genres", genres=[])
    hidden = MovieFactory(title="Hidden", genres=[drama], is_hidden=True)
    missing_id = hidden.pk + 1000

    with django_assert_num_queries(1):
        movies = movies_visible_with_genre_names(
            movie_ids=[heat.pk, fargo.pk, bare.pk, hidden.pk, missing_id]
        )
        names = {movie.title: movie.genre_names for movie in movies.values()}

    assert set(movies) == {heat.pk, fargo.pk, bare.pk}
    assert names == {
        "Heat": ["Crime", "Drama"],
        "Fargo": ["Comedy", "Crime", "Drama"],
        "No genres": [],
    }
    assert movies[heat.pk].display_title == heat.display_title


@pytest.mark.parametrize("movie_id", [0, -1, 2**63, -(2**63) - 1, 10**30])
def test_an_id_that_cannot_exist_is_simply_not_found(db, movie_id):
    MovieFactory()
    assert movies_visible_with_genre_names(movie_ids=[movie_id]) == {}
    with pytest.raises(Movie.DoesNotExist):
        movie_get(movie_id=movie_id)
