import pytest
from django.db import connection

from catalog.title_index import title_index_build
from tests.factories import MovieFactory

pytestmark = pytest.mark.django_db


def trigrams(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_title_trigrams(%s)", [text])
        return cursor.fetchone()[0]


def test_most_shared_then_fewest_other_trigrams_then_most_rated_first():
    sequel = MovieFactory(title="The Godfather: Part II", rating_count=90)
    original = MovieFactory(title="The Godfather", rating_count=80)
    heat_95 = MovieFactory(title="Heat", rating_count=70)
    heat_86 = MovieFactory(title="Heat", rating_count=5)
    MovieFactory(title="Forrest Gump", rating_count=100)
    index = title_index_build()

    godfather = trigrams("godfathr")  # a typo still shares most trigrams
    assert index.ranking(godfather, at_least=4).tolist() == [original.pk, sequel.pk]
    assert index.ranking(trigrams("heat"), at_least=4).tolist() == [heat_95.pk, heat_86.pk]


def test_titles_below_the_threshold_and_unknown_trigrams_match_nothing():
    MovieFactory(title="The Godfather")
    index = title_index_build()

    assert index.ranking(trigrams("the godmother"), at_least=12).size == 0
    assert index.ranking(trigrams("zzyzx"), at_least=1).size == 0
