"""Each source's raw score per candidate, and the "more like this" score."""

import numpy as np
import pytest

from recommendations.config import SimilarParams, Source
from recommendations.profile import PredictedStars
from recommendations.scoring import Likeness, similarity_scores, source_scores
from recommendations.types import Candidates
from tests.recommendations.conftest import StarsAsIds, warm_profile


def test_the_stars_source_scores_candidates_by_the_users_predicted_stars():
    stars = PredictedStars(StarsAsIds(), np.array([1]), np.array([4.0]))
    candidates = Candidates(
        movie_ids=np.array([3, 5, 2]),
        rating_counts=np.ones(3, dtype=np.float32),
        vectors=np.ones((3, 2), dtype=np.float32),
    )

    raw = source_scores([Source.STARS], warm_profile(stars=stars), None, candidates)

    np.testing.assert_array_equal(raw[Source.STARS], [3.0, 5.0, 2.0])


def test_similarity_scores_give_a_missing_signal_s_weight_to_the_other():
    config = SimilarParams(
        content_weight=0.3,
        collaborative_weight=0.5,
        evidence_weight=0.0,
        franchise_weight=0.0,
        quality_weight=0.2,
        familiarity_weight=0.0,
    )
    content, collaborative = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    nothing = np.zeros(2)
    quality = np.array([0.5, -0.5])

    def scores(content, collaborative):
        likeness = Likeness(content, collaborative, nothing, nothing)
        return similarity_scores(likeness, quality=quality, familiarity=nothing, config=config)

    assert scores(content, collaborative).tolist() == pytest.approx([0.3 + 0.1, 0.5 - 0.1])
    assert scores(content, None).tolist() == pytest.approx([0.8 + 0.1, -0.1])
    with pytest.raises(ValueError, match="no neighbours"):
        scores(None, None)


def test_similarity_scores_add_the_evidence_the_franchise_and_the_priors():
    config = SimilarParams(
        content_weight=0.5,
        collaborative_weight=0.5,
        evidence_weight=1.0,
        franchise_weight=0.5,
        quality_weight=0.2,
        familiarity_weight=0.3,
    )
    likeness = Likeness(
        content=np.array([0.2, 0.8]),
        collaborative=np.array([0.4, 0.6]),
        evidence=np.array([0.9, 0.1]),
        franchise=np.array([1.0, 0.0]),
    )

    scores = similarity_scores(
        likeness, quality=np.array([0.0, 0.5]), familiarity=np.array([0.5, 1.0]), config=config
    )

    # 0.3 similarity + 0.9 evidence + 0.5 franchise + 0.15 familiar; 0.7 + 0.1 + 0.1 + 0.3.
    assert scores.tolist() == pytest.approx([1.85, 1.2])
