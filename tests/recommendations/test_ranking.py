"""Ranking: scoring, blending and diversifying one user's candidates."""

import numpy as np

from recommendations.algorithms.als import AlsModel, AlsParams
from recommendations.config import Algorithm, HybridParams, Source
from recommendations.ranking import rank
from recommendations.types import Candidates
from tests.recommendations.conftest import warm_profile

# Three candidates: 1 and 2 are near duplicates in content, 3 stands apart.
CANDIDATES = Candidates(
    movie_ids=np.array([1, 2, 3]),
    rating_counts=np.array([1.0, 100.0, 10.0], dtype=np.float32),
    vectors=np.array([[1.0, 0.0], [0.995, 0.0998], [0.0, 1.0]], dtype=np.float32),
)
MODEL = AlsModel.build(
    params=AlsParams(),
    movie_ids=np.array([1, 2, 3]),
    item_factors=np.array([[3.0, 0.0], [2.0, 0.0], [1.0, 0.0]], dtype=np.float32),
)


def test_a_single_source_ranks_by_its_score_alone():
    profile = warm_profile(stars=None)

    by_als = rank(algorithm=Algorithm.ALS, profile=profile, model=MODEL, candidates=CANDIDATES, k=3)
    by_popularity = rank(
        algorithm=Algorithm.POPULARITY, profile=profile, model=MODEL, candidates=CANDIDATES, k=2
    )

    assert [r.index for r in by_als] == [0, 1, 2]  # item factors 3, 2, 1 against (1, 1)
    assert {r.source for r in by_als} == {Source.ALS}
    assert [r.score for r in by_als] == [1.0, 0.5, 0.0]  # min-max normalised
    assert [r.index for r in by_popularity] == [1, 2]  # 100, then 10 ratings


def test_the_hybrid_re_ranks_near_duplicates_apart_unless_mmr_is_off():
    profile = warm_profile(stars=None)
    # ALS alone decides the blend: 1 > 2 > 3 by score, but 2 repeats 1.
    only_als = HybridParams(als_weight=1.0, ease_weight=0.0, content_weight=0.0)

    def hybrid(mmr_lambda):
        config = HybridParams(**{**only_als.as_json(), "mmr_lambda": mmr_lambda})
        ranked = rank(
            algorithm=Algorithm.HYBRID,
            profile=profile,
            model=MODEL,
            candidates=CANDIDATES,
            k=3,
            config=config,
        )
        return [r.index for r in ranked]

    assert hybrid(1.0) == [0, 1, 2]
    assert hybrid(0.5) == [0, 2, 1]
