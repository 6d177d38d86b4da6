"""The offline recommender: the served ranking on a training split."""

import dataclasses

import numpy as np
import pytest

from jobs.progress import NullProgress
from recommendations import tuning
from recommendations.algorithms.als import AlsParams
from recommendations.algorithms.ease import EaseParams, ease_fit
from recommendations.config import Algorithm, SimilarParams
from recommendations.evaluation.offline import OfflineRecommender
from recommendations.selectors import movie_embedding_matrix, rating_triples
from tests.recommendations.conftest import SMALL_RATING, tiny_recommender


def test_ease_recommends_only_unseen_items():
    recommender, _ = tiny_recommender()
    recommender.ease = ease_fit(ratings=recommender.train, params=EaseParams(l2=1.0))

    assert 10 not in recommender.recommend(0, Algorithm.EASE, 3)
    assert recommender.similar(movie_id=10, method=Algorithm.EASE, k=2) == []  # no co-likes of 10


def test_hybrid_more_like_this_blends_the_served_scores():
    recommender, _ = tiny_recommender()
    recommender.similar_config = SimilarParams(
        content_weight=1.0, collaborative_weight=0.0, quality_weight=0.0
    )
    assert recommender.similar(movie_id=10, method=Algorithm.HYBRID, k=3) == [11, 13, 12]
    recommender.similar_config = SimilarParams(
        content_weight=0.0, collaborative_weight=0.0, quality_weight=1.0
    )
    # Training means: 10 → 5.0, 12 → 4.0, 11 → 1.0 (13 unrated in training: the mean).
    assert recommender.similar(movie_id=10, method=Algorithm.HYBRID, k=3) == [12, 13, 11]


@pytest.mark.django_db
def test_profiles_kept_between_blends_give_the_lists_of_fresh_ones(world):
    """The blend search keeps each user's profile, predicted stars included, while only
    the blend changes; its lists must be those a fresh profile gives."""
    triples = rating_triples()
    half = np.arange(len(triples.scores)) % 2 == 0
    recommender = OfflineRecommender.fit(
        triples.subset(half),
        movie_embedding_matrix(movie_ids=triples.movie_ids),
        AlsParams(factors=4, iterations=5),
        NullProgress(),
        ease_params=EaseParams(),
        rating_params=SMALL_RATING,
    )
    start = tuning.HYBRID_SEARCH_START
    blends = [
        dataclasses.replace(start, stars_weight=0.4),
        dataclasses.replace(start, als_weight=0.0, content_weight=0.2, stars_weight=0.1),
    ]
    users = [u for u, ratings in enumerate(recommender.by_user) if len(ratings)]

    def lists(config):
        recommender.config = config
        return [recommender.recommend(u, Algorithm.HYBRID, 5) for u in users]

    fresh = [lists(config) for config in blends]
    assert fresh[0] != fresh[1]  # the blends differ, so a stale profile would show

    recommender.profiles = {}
    assert [lists(config) for config in blends] == fresh
    assert len(recommender.profiles) == len(users)


def test_the_popularity_pool_is_the_served_one_ties_by_id():
    recommender, _ = tiny_recommender()
    # One popular film per list: 10, 11 and 12 each have one training rating.
    recommender.config = dataclasses.replace(recommender.config, pool_size=1)

    assert recommender.recommend(1, Algorithm.POPULARITY, 1) == [10]  # user 2 saw 12
    assert recommender.recommend(0, Algorithm.POPULARITY, 1) == [11]  # user 1 saw 10


def test_the_content_pool_is_the_served_exact_scan_of_unseen_embedded_films():
    recommender, _ = tiny_recommender()
    recommender.config = dataclasses.replace(recommender.config, pool_size=1)

    # User 2 liked 12, whose nearest unseen film by content is 13.
    assert recommender.recommend(1, Algorithm.CONTENT, 1) == [13]
