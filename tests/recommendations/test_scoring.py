"""Each source's raw score per candidate, and the "more like this" score."""

import numpy as np
import pytest

from recommendations.config import SimilarParams, Source
from recommendations.profile import PredictedStars
from recommendations.scoring import similarity_scores, source_scores
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
    config = SimilarParams(content_weight=0.3, collaborative_weight=0.5, quality_weight=0.2)
    content, collaborative = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    quality = np.array([0.5, -0.5])

    both = similarity_scores(
        content=content, collaborative=collaborative, quality=quality, config=config
    )
    assert both.tolist() == pytest.approx([0.3 + 0.1, 0.5 - 0.1])
    only_content = similarity_scores(
        content=content, collaborative=None, quality=quality, config=config
    )
    assert only_content.tolist() == pytest.approx([0.8 + 0.1, -0.1])
    with pytest.raises(ValueError, match="no neighbours"):
        similarity_scores(content=None, collaborative=None, quality=quality, config=config)
