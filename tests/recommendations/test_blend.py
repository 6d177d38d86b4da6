import dataclasses

import numpy as np
import pytest

from recommendations.blend import source_weights
from recommendations.config import Algorithm, HybridConfig, Source
from recommendations.explain import explain
from recommendations.profile import PredictedStars, TasteProfile
from recommendations.ranking import Ranked
from recommendations.scoring import source_scores
from recommendations.selectors import Candidates


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
    config = HybridConfig(als_weight=0.8, content_weight=0.2)

    assert source_weights(Algorithm.HYBRID, profile, config) == {Source.POPULARITY: 1.0}
    # The stars only re-weigh other sources' candidates, so alone they do not count.
    with_stars = dataclasses.replace(
        profile, stars=PredictedStars(_Stars(), np.array([1]), np.array([1.0]))
    )
    assert source_weights(Algorithm.HYBRID, with_stars, config) == {Source.POPULARITY: 1.0}


class _Stars:
    """A rating model that predicts each film's id, in stars."""

    def predict(self, *, user_movie_ids, user_scores, movie_ids):
        return np.asarray(movie_ids, dtype=np.float64)


def _warm_profile(*, stars: PredictedStars | None) -> TasteProfile:
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


def test_predicted_stars_join_a_trusted_users_blend_without_taking_from_popularity():
    stars = PredictedStars(_Stars(), np.array([1]), np.array([4.0]))
    config = HybridConfig(als_weight=0.5, content_weight=0.1, ease_weight=0.0, stars_weight=0.4)

    with_stars = source_weights(Algorithm.HYBRID, _warm_profile(stars=stars), config)
    without = source_weights(Algorithm.HYBRID, _warm_profile(stars=None), config)

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
    assert source_weights(Algorithm.ALS, _warm_profile(stars=stars), config) == {Source.ALS: 1.0}


def test_the_stars_source_scores_candidates_by_the_users_predicted_stars():
    stars = PredictedStars(_Stars(), np.array([1]), np.array([4.0]))
    candidates = Candidates(
        movie_ids=np.array([3, 5, 2]),
        rating_counts=np.ones(3, dtype=np.float32),
        vectors=np.ones((3, 2), dtype=np.float32),
    )

    raw = source_scores([Source.STARS], _warm_profile(stars=stars), None, candidates)

    np.testing.assert_array_equal(raw[Source.STARS], [3.0, 5.0, 2.0])


def test_a_pick_the_stars_chose_says_so_when_no_liked_film_is_near():
    profile = _warm_profile(stars=None)
    pick = Ranked(index=0, score=1.0, source=Source.STARS)

    assert explain(pick, np.array([1.0, -1.0]), profile) == "We think you'll rate it highly"
