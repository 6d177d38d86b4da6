import json

import numpy as np
import pytest
from rest_framework import serializers

from recommendations.api_serializers import RecommendationSerializer
from recommendations.config import Source
from recommendations.hybrid import Recommendation
from tests.factories import GenreFactory, MovieFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model_version", [None, 7])
def test_the_direct_recommendation_matches_drfs_field_by_field_output(model_version):
    movie = MovieFactory(title="Alien", year=1979, genres=[GenreFactory(name="Sci-Fi")])
    recommendation = Recommendation(
        movie=movie,
        score=np.float32(0.8125),
        explanation="Because you liked Heat",
        source=Source.CONTENT,
        model_version=model_version,
    )
    serializer = RecommendationSerializer()

    fast = serializer.to_representation(recommendation)

    generic = serializers.Serializer.to_representation(serializer, recommendation)
    assert json.dumps(fast) == json.dumps(generic)
    assert fast["source"] == "content" and fast["movie"]["genres"] == ["Sci-Fi"]
