"""The reason shown with each pick."""

import numpy as np

from recommendations.config import Source
from recommendations.explain import explain
from recommendations.ranking import Ranked
from tests.recommendations.conftest import warm_profile


def test_a_pick_the_stars_chose_says_so_when_no_liked_film_is_near():
    profile = warm_profile(stars=None)
    pick = Ranked(index=0, score=1.0, source=Source.STARS)

    assert explain(pick, np.array([1.0, -1.0]), profile) == "We think you'll rate it highly"
