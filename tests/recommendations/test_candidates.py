"""Candidate pools: each source's best unseen films, and through the recommendations they
feed."""

import dataclasses

import numpy as np
import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from catalog.filters import MovieFilters
from ratings.services import rating_upsert
from recommendations import candidates
from recommendations.algorithms.als import AlsModel, AlsParams
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.content import ContentModel
from recommendations.config import DEFAULT_HYBRID, Source
from recommendations.hybrid import recommend_for_user
from recommendations.profile import ItemScores
from tests.recommendations.conftest import warm_profile

# Films 1..4 on two axes; the user's taste and ALS factor both point along the first.
MOVIES = np.array([1, 2, 3, 4])
AXES = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
ALS = AlsModel.build(params=AlsParams(), movie_ids=MOVIES, item_factors=AXES)
CONTENT = ContentModel.build(movie_ids=MOVIES, vectors=AXES)
ONE_EACH = dataclasses.replace(DEFAULT_HYBRID, pool_size=1, filtered_pool_size=2)


def profile(seen: list[int]):
    return dataclasses.replace(
        warm_profile(stars=None),
        seen_ids=np.array(seen),
        taste=np.array([1.0, 0.0]),
        als_vector=np.array([1.0, 0.0], dtype=np.float32),
        ease=ItemScores(MOVIES, np.array([0.1, 0.2, 0.9, 0.3], dtype=np.float32)),
    )


def pools(sources, *, seen, filters=None, allowed=None):
    filters = MovieFilters() if filters is None else filters
    allowed = ~np.isin(MOVIES, seen) if allowed is None else allowed
    return [
        pool.tolist()
        for pool in candidates.personal_pools(
            profile(seen), ALS, CONTENT, sources, filters, allowed, ONE_EACH
        )
    ]


def test_each_source_gives_its_best_unseen_films():
    assert pools([Source.ALS, Source.EASE, Source.CONTENT], seen=[1]) == [[2], [3], [2]]
    assert pools([Source.EASE], seen=[3]) == [[4]]
    assert pools([Source.POPULARITY], seen=[]) == []  # drawn once per request by the caller


def test_with_filters_als_and_ease_draw_more_and_content_keeps_to_the_allowed_films():
    allowed = np.array([False, False, True, True])  # what the filters let through
    drawn = pools(
        [Source.ALS, Source.CONTENT], seen=[1], filters=MovieFilters(genre="x"), allowed=allowed
    )

    # ALS before the filters (the union is filtered after), content within them.
    assert [sorted(pool) for pool in drawn] == [[2, 4], [4]]


# Films 1 and 2 are crime, 3 and 4 musicals; the user liked crime film 5 (5 stars) and
# musical 6 (4 stars) and disliked musical 7 (2 stars).
SIDES = GenreShares.from_masks(
    np.arange(1, 8),
    {
        "Crime": np.array([True, True, False, False, True, False, False]),
        "Musical": np.array([False, False, True, True, False, True, True]),
    },
)


def test_each_side_of_a_taste_gets_its_share_of_each_sources_best_films():
    taste = np.array([0.75, 0.25])  # Crime, Musical
    scored = [(MOVIES, AXES[:, 0]), (MOVIES, np.array([0.1, 0.2, 0.9, 0.3]))]  # ALS, EASE

    drawn = candidates.side_pools(scored, SIDES, taste, seen_ids=np.array([1]), n=4)

    # ⌈0.75 · 4⌉ = 3 crime films (only 2 is unseen) and ⌈0.25 · 4⌉ = 1 musical per source:
    # ALS scores 3 at 0 and 4 at 0.6, EASE 3 at 0.9 and 4 at 0.3.
    assert [pool.tolist() for pool in drawn] == [[2], [4], [2], [3]]


def test_the_genre_taste_counts_the_liked_films_only():
    liked = dataclasses.replace(profile(seen=[5, 6, 7]), rated={5: 5.0, 6: 4.0, 7: 2.0})

    assert liked.genre_taste(SIDES, 3.5).tolist() == [0.5, 0.5]
    assert liked.genre_taste(SIDES, 4.5).tolist() == [1.0, 0.0]
    assert liked.genre_taste(SIDES, 5.5) is None


@pytest.mark.parametrize(("weight", "sides"), [(0.0, []), (0.3, [[], [4], [], [3]])])
def test_only_a_calibrated_blend_draws_candidates_per_side(weight, sides):
    liked = dataclasses.replace(profile(seen=[1, 2, 5, 6, 7]), rated={5: 5.0, 6: 4.0, 7: 2.0})
    config = dataclasses.replace(ONE_EACH, calibration_weight=weight, side_pool_size=2)
    allowed = np.array([False, False, True, True])

    drawn = candidates.personal_pools(
        liked, ALS, CONTENT, [Source.ALS, Source.EASE], MovieFilters(), allowed, config, SIDES
    )

    # Both crime films are seen: the crime side draws nothing, the musical side 1 per source.
    assert [pool.tolist() for pool in drawn] == [[4], [3], *sides]


def ids(recs) -> list[int]:
    return [rec.movie.pk for rec in recs]


@pytest.mark.django_db
def test_past_the_exact_scan_size_the_content_pool_comes_from_pgvector(world, trained, monkeypatch):
    # A user with two likes leans on content, so the pool decides the list.
    user = User.objects.create_user(username="newcomer", password="pw-123456789")
    for movie in world.space[:2]:
        rating_upsert(user=user, movie=movie, score="5.0")
    scanned = ids(recommend_for_user(user, k=8))
    caches["recommendations"].clear()
    monkeypatch.setattr(candidates, "EXACT_SCAN_MAX_MOVIES", 0)

    with CaptureQueriesContext(connection) as queries:
        from_index = ids(recommend_for_user(user, k=8))

    assert any("<=>" in query["sql"] for query in queries.captured_queries)  # cosine distance

    # On 40 movies the index is exact too: the same list.
    assert from_index == scanned
