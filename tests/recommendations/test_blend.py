import dataclasses

import numpy as np
import pytest

from recommendations.blend import source_weights
from recommendations.config import Algorithm, HybridParams, Source
from recommendations.profile import PredictedStars, TasteProfile
from tests.recommendations.conftest import StarsAsIds, warm_profile


def test_a_user_without_likes_falls_back_to_popularity_when_warm_weights_fill_the_blend():
    # 25 ratings, none liked: no taste, no ALS vector; ALS 0.8 + content 0.2 leave
    # popularity no weight of its own.
    profile = TasteProfile(
        n_ratings=25,
        seen_ids=np.arange(25),
        rated={},
        liked_titles=[],
        liked_vectors=np.zeros((0, 2)),
        taste=None,
        als_vector=None,
    )
    config = HybridParams(als_weight=0.8, content_weight=0.2)

    assert source_weights(Algorithm.HYBRID, profile, config) == {Source.POPULARITY: 1.0}
    # The stars only re-weigh other sources' candidates, so alone they do not count.
    with_stars = dataclasses.replace(
        profile, stars=PredictedStars(StarsAsIds(), np.array([1]), np.array([1.0]))
    )
    assert source_weights(Algorithm.HYBRID, with_stars, config) == {Source.POPULARITY: 1.0}


def test_predicted_stars_join_a_trusted_users_blend_without_taking_from_popularity():
    stars = PredictedStars(StarsAsIds(), np.array([1]), np.array([4.0]))
    config = HybridParams(als_weight=0.5, content_weight=0.1, ease_weight=0.0, stars_weight=0.4)

    with_stars = source_weights(Algorithm.HYBRID, warm_profile(stars=stars), config)
    without = source_weights(Algorithm.HYBRID, warm_profile(stars=None), config)

    # ALS 0.5, content 0.1, popularity the rest of 1 (0.4), then stars 0.4 on top.
    assert with_stars == pytest.approx(
        {
            Source.ALS: 0.5 / 1.4,
            Source.CONTENT: 0.1 / 1.4,
            Source.POPULARITY: 0.4 / 1.4,
            Source.STARS: 0.4 / 1.4,
        }
    )
    assert without == pytest.approx({Source.ALS: 0.5, Source.CONTENT: 0.1, Source.POPULARITY: 0.4})
    # A single-source choice never blends the stars in.
    assert source_weights(Algorithm.ALS, warm_profile(stars=stars), config) == {Source.ALS: 1.0}
