"""Candidate pools, through the recommendations they feed."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from ratings.services import rating_upsert
from recommendations import candidates
from recommendations.hybrid import recommend_for_user

pytestmark = pytest.mark.django_db


def ids(recs) -> list[int]:
    return [rec.movie.pk for rec in recs]


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
