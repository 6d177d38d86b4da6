from django.db import connection

from catalog.models import VISIBLE_MOVIE_SQL, Movie
from tests.factories import MovieFactory


def test_visible_movies_are_those_staff_did_not_hide(db):
    shown = MovieFactory(title="Shown")
    featured = MovieFactory(title="Featured", is_featured=True)
    MovieFactory(title="Hidden", is_hidden=True)
    MovieFactory(title="Hidden pick", is_hidden=True, is_featured=True)

    assert set(Movie.objects.visible()) == {shown, featured}


def test_the_sql_fragment_and_the_queryset_agree(db):
    MovieFactory.create_batch(3)
    MovieFactory.create_batch(2, is_hidden=True)

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT movie.id FROM {Movie._meta.db_table} movie"
            f" WHERE {VISIBLE_MOVIE_SQL.format(movie='movie')}"
        )
        by_sql = {movie_id for (movie_id,) in cursor.fetchall()}

    assert by_sql == set(Movie.objects.visible().values_list("pk", flat=True))
    assert len(by_sql) == 3
