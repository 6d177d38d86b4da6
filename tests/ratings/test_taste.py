from decimal import Decimal

import pytest

from ratings.services import rating_upsert
from ratings.taste import GenreStat, genre_stats, score_histogram, taste_chart_data
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_genre_stats_count_and_average_per_genre(user):
    drama, comedy, horror = (GenreFactory(name=n) for n in ("Drama", "Comedy", "Horror"))
    rating_upsert(user=user, movie=MovieFactory(genres=[drama]), score="5.0")
    rating_upsert(user=user, movie=MovieFactory(genres=[drama, comedy]), score="2.0")
    rating_upsert(user=user, movie=MovieFactory(genres=[drama]), score="3.5")
    rating_upsert(user=user, movie=MovieFactory(genres=[comedy]), score="4.5")
    rating_upsert(user=user, movie=MovieFactory(), score="1.0")  # no genre: not a bar
    rating_upsert(user=UserFactory(), movie=MovieFactory(genres=[horror]), score="5.0")
    assert genre_stats(user=user) == [
        GenreStat("Drama", 3, 3.5),
        GenreStat("Comedy", 2, 3.25),
    ]


def test_score_histogram_has_every_half_star(user):
    for score in ("0.5", "4.0", "4.0", "5.0"):
        rating_upsert(user=user, movie=MovieFactory(), score=score)
    histogram = score_histogram(user=user)
    assert [str(score) for score, _ in histogram] == [
        "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"
    ]  # fmt: skip
    assert [n for _, n in histogram] == [1, 0, 0, 0, 0, 0, 0, 2, 0, 1]
    assert sum(n for _, n in score_histogram(user=UserFactory())) == 0


def test_the_chart_data_has_the_histogram_only_when_shown():
    genres = [GenreStat("Drama", 3, 3.5), GenreStat("Comedy", 2, 3.25)]
    public = taste_chart_data(genres=genres)
    assert public == {
        "genres": {"labels": ["Drama", "Comedy"], "counts": [3, 2], "means": [3.5, 3.25]}
    }
    own = taste_chart_data(genres=genres, histogram=[(Decimal("0.5"), 1), (Decimal("1.0"), 0)])
    assert own["genres"] == public["genres"]
    assert own["histogram"] == {"labels": ["0.5", "1.0"], "counts": [1, 0]}
