"""A small synthetic world with two clear tastes, fast enough to build per test.

20 space films (Sci-Fi) and 20 romances (Romance); 15 users love space and pan
romance, 15 do the opposite. Embeddings are hand-made 384-d unit vectors around
one axis per cluster, so nothing depends on the sentence-transformers model.
"""

from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pytest
from django.db.models import Count, Sum

from accounts.models import User
from catalog.models import EMBEDDING_DIMENSIONS, Movie
from jobs.progress import NullProgress
from ratings.models import Rating
from recommendations.algorithms.als import AlsModel, AlsParams
from recommendations.algorithms.rating import RatingParams
from recommendations.evaluation.offline import OfflineRecommender
from recommendations.evidence import evidence_from
from recommendations.profile import PredictedStars, TasteProfile
from recommendations.training import training_run_train
from recommendations.types import RatingTriples
from tests.factories import GenreFactory, MovieFactory

DIMENSIONS = EMBEDDING_DIMENSIONS
SMALL_ALS = AlsParams(factors=8, iterations=8, regularization=0.1, alpha=2.0)
# The defaults' regularisation suits MovieLens; 15 ratings a user need much less to show taste.
SMALL_RATING = RatingParams(factors=4, reg_bias=1.0, reg_factors=2.0, iterations=8)


def unit_vector(axis: int, rng: np.random.Generator, noise: float = 0.3) -> list[float]:
    vector = noise * rng.standard_normal(DIMENSIONS) / np.sqrt(DIMENSIONS)
    vector[axis] += 1.0
    return (vector / np.linalg.norm(vector)).tolist()


def make_users(prefix: str, n: int) -> list[User]:
    """Bulk-created, so no password hashing (which would dominate the test time)."""
    return User.objects.bulk_create(User(username=f"{prefix}{i}", password="!") for i in range(n))


def refresh_rating_counters() -> None:
    for movie in Movie.objects.annotate(n=Count("ratings"), total=Sum("ratings__score")):
        Movie.objects.filter(pk=movie.pk).update(rating_count=movie.n, rating_sum=movie.total or 0)


@pytest.fixture
def world(db):
    rng = np.random.default_rng(7)
    sci_fi, romance_genre = GenreFactory(name="Sci-Fi"), GenreFactory(name="Romance")
    years = [1990 + i for i in range(10)] + [2000 + i for i in range(10)]
    space = [
        MovieFactory(
            title=f"Space {i}", year=years[i], genres=[sci_fi], embedding=unit_vector(0, rng)
        )
        for i in range(20)
    ]
    romance = [
        MovieFactory(
            title=f"Romance {i}",
            year=years[i],
            genres=[romance_genre],
            embedding=unit_vector(1, rng),
        )
        for i in range(20)
    ]
    space_fans, romance_fans = make_users("spacefan", 15), make_users("romancefan", 15)
    ratings = []
    for fans, loved, panned in ((space_fans, space, romance), (romance_fans, romance, space)):
        for user in fans:
            for movie in rng.choice(loved, 12, replace=False):
                ratings.append(
                    Rating(user=user, movie=movie, score=Decimal(rng.choice(["4.0", "4.5", "5.0"])))
                )
            for movie in rng.choice(panned, 3, replace=False):
                ratings.append(
                    Rating(user=user, movie=movie, score=Decimal(rng.choice(["1.0", "1.5", "2.0"])))
                )
    Rating.objects.bulk_create(ratings)
    refresh_rating_counters()
    return SimpleNamespace(
        space=space, romance=romance, space_fans=space_fans, romance_fans=romance_fans
    )


@pytest.fixture
def trained(world):
    return training_run_train(progress=NullProgress(), params=SMALL_ALS, rating_params=SMALL_RATING)


class StarsAsIds:
    """A rating model that predicts each film's id, in stars."""

    def predict(self, *, user_movie_ids, user_scores, movie_ids):
        return np.asarray(movie_ids, dtype=np.float64)


def warm_profile(*, stars: PredictedStars | None) -> TasteProfile:
    return TasteProfile(
        n_ratings=40,
        seen_ids=np.arange(40),
        rated={},
        liked_titles=["A"],
        liked_vectors=np.ones((1, 2)),
        taste=np.ones(2),
        als_vector=np.ones(2),
        stars=stars,
    )


def tiny_recommender() -> tuple[OfflineRecommender, RatingTriples]:
    """Movies 10..13: 10 and 11 alike (embeddings and factors), 12 and 13 alike.
    User 1 liked 10 in training and holds out 11 (4.5) and 13 (2.0); user 2 liked 12 and
    holds out 13 (5.0); user 3 only rated 11, badly."""
    users = np.array([1, 1, 1, 2, 2, 3])
    movies = np.array([10, 11, 13, 12, 13, 11])
    scores = np.array([5.0, 4.5, 2.0, 4.0, 5.0, 1.0])
    triples = RatingTriples.from_arrays(users, movies, scores)
    held = np.array([False, True, True, False, True, False])
    train = triples.subset(~held)
    close = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8]])
    model = AlsModel.build(params=AlsParams(), movie_ids=train.movie_ids, item_factors=close * 2)
    recommender = OfflineRecommender(train=train, embeddings=close, model=model)
    # No genres, terms or franchises: the lists follow the vectors alone.
    recommender.evidence = evidence_from(
        movie_ids=train.movie_ids,
        titles=["Alpha", "Bravo", "Charlie", "Delta"],
        genres=[[] for _ in train.movie_ids],
        terms=[[] for _ in train.movie_ids],
    )
    return recommender, triples.subset(held)
