"""`manage.py generate_synthetic`: set-based synthetic raters on the real database."""

from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from accounts.models import User
from catalog.models import Movie
from ratings.models import Rating
from recommendations.synthetic import TASTE_CLUSTERS, synthetic_ratings
from tests.factories import GenreFactory, MovieFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    genres = [GenreFactory(name=f"Genre {i}") for i in range(4)]
    return [MovieFactory(genres=[genres[i % 4]]) for i in range(40)]


def generate(**options) -> str:
    out = StringIO()
    call_command("generate_synthetic", stdout=out, **options)
    return out.getvalue()


def test_generates_imported_users_with_unique_ratings_and_exact_counters(catalogue):
    assert "30 synthetic users, 300 ratings inserted" in generate(users=30, ratings=300, seed=1)

    users = User.objects.filter(username__startswith="synthetic-")
    assert users.count() == 30 and all(u.is_imported for u in users)
    assert Rating.objects.count() == 300
    for movie in Movie.objects.annotate(n=Count("ratings"), total=Sum("ratings__score")):
        assert (movie.rating_count, movie.rating_sum) == (movie.n, movie.total or 0)


def test_rerun_with_the_same_seed_changes_nothing(catalogue):
    generate(users=10, ratings=80, seed=3)
    before = sorted(Rating.objects.values_list("user_id", "movie_id", "score"))

    assert "0 synthetic users, 0 ratings inserted" in generate(users=10, ratings=80, seed=3)
    assert sorted(Rating.objects.values_list("user_id", "movie_id", "score")) == before


def test_draws_are_popularity_skewed_and_follow_tastes():
    clusters = np.arange(2000) % TASTE_CLUSTERS
    user, movie, score = synthetic_ratings(
        users=500, ratings=20_000, movie_clusters=clusters, seed=0
    )
    assert len(np.unique(user * 2000 + movie)) == 20_000
    counts = np.bincount(movie, minlength=2000)
    assert counts[:100].sum() > counts[-1000:].sum()  # the head outweighs the long tail
    assert set(np.unique(score)) <= {x / 2 for x in range(1, 11)}


def test_too_many_ratings_is_a_clear_error(catalogue):
    with pytest.raises(CommandError, match="Too many ratings"):
        generate(users=2, ratings=1000)
