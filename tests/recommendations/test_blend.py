import numpy as np

from recommendations.blend import source_weights
from recommendations.config import Algorithm, HybridConfig, Source
from recommendations.profile import TasteProfile


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
