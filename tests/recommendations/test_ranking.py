"""Ranking: scoring, blending and diversifying one user's candidates."""

import dataclasses

import numpy as np

from recommendations.algorithms.als import AlsModel, AlsParams
from recommendations.algorithms.calibration import GenreShares
from recommendations.config import Algorithm, HybridParams, Source
from recommendations.profile import PredictedStars
from recommendations.ranking import rank
from recommendations.types import Candidates
from tests.recommendations.conftest import StarsAsIds, warm_profile

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


def test_no_algorithm_puts_a_film_predicted_below_three_stars_first():
    # The rating model predicts each film's id in stars: films 1 and 2 at 1 and 2 stars.
    profile = warm_profile(stars=PredictedStars(StarsAsIds(), np.array([]), np.array([])))
    only_als = HybridParams(als_weight=1.0, ease_weight=0.0, content_weight=0.0, mmr_lambda=1.0)

    for algorithm in (Algorithm.ALS, Algorithm.POPULARITY, Algorithm.HYBRID):
        ranked = rank(
            algorithm=algorithm,
            profile=profile,
            model=MODEL,
            candidates=CANDIDATES,
            k=3,
            config=only_als,
        )
        # Film 3 first, then the rest in the algorithm's own order.
        assert ranked[0].index == 2, algorithm
    als = rank(algorithm=Algorithm.ALS, profile=profile, model=MODEL, candidates=CANDIDATES, k=3)
    assert [r.index for r in als] == [2, 0, 1]
    assert [r.score for r in als] == [0.0, 1.0, 0.5]  # the algorithm's scores, unchanged


def test_the_hybrid_holds_both_sides_of_a_taste_when_calibrated():
    # Films 1 and 2 are action, film 3 comedy; the user liked one action film (10) and
    # one comedy (11): taste (0.5, 0.5). ALS alone ranks 1 > 2 > 3.
    genres = GenreShares.from_masks(
        np.array([1, 2, 3, 10, 11]),
        {
            "action": np.array([True, True, False, True, False]),
            "comedy": np.array([False, False, True, False, True]),
        },
    )
    profile = dataclasses.replace(warm_profile(stars=None), rated={10: 5.0, 11: 4.0, 12: 1.0})

    def hybrid(weight, k=2, shown=None):
        config = HybridParams(
            als_weight=1.0,
            ease_weight=0.0,
            content_weight=0.0,
            mmr_lambda=1.0,
            calibration_weight=weight,
        )
        ranked = rank(
            algorithm=Algorithm.HYBRID,
            profile=profile,
            model=MODEL,
            candidates=CANDIDATES,
            k=k,
            config=config,
            genres=genres,
            shown=shown,
        )
        return [r.index for r in ranked]

    assert hybrid(0.0) == [0, 1]
    # Second step at λ = 0.5: film 2 gains 0.5 · 0.5 - 0.5 · C_KL(action only) = 0.25 -
    # 0.979; film 3 gains 0.5 · 0 - 0.5 · C_KL(half and half) = 0.
    assert hybrid(0.5) == [0, 2]
    # Ranking a spare film past the two shown: the two are what is calibrated. Were the
    # list of three calibrated, the second step would see one slot left to hold the
    # taste: film 2 gains 0.25 - 0.5 · C_KL((2 · action + taste) / 3) = 0.25 - 0.143 and
    # film 3 0, so the comedy would come third, after what is shown.
    assert hybrid(0.5, k=3, shown=2) == [0, 2, 1]
    assert hybrid(0.5, k=3) == [0, 1, 2]
