"""Serializers of the API views that combine apps: movies with the viewer's predicted stars."""

from __future__ import annotations

from catalog.api_serializers import MovieDetailSerializer, MovieSummarySerializer
from catalog.models import Movie
from recommendations.api_serializers import PredictedScoreField


class PredictedMovieSummarySerializer(MovieSummarySerializer):
    """A movie in a list, with the viewer's predicted stars (context["predicted"])."""

    predicted_score = PredictedScoreField()

    class Meta(MovieSummarySerializer.Meta):
        fields = (*MovieSummarySerializer.Meta.fields, "predicted_score")

    def to_representation(self, movie: Movie) -> dict:
        # The summary's direct path, plus the one field (tests/pages compare it with DRF's).
        return {
            **super().to_representation(movie),
            "predicted_score": self.fields["predicted_score"].to_representation(movie),
        }


class PredictedMovieDetailSerializer(MovieDetailSerializer):
    """One movie with the viewer's rating and lists, and their predicted stars."""

    predicted_score = PredictedScoreField()

    class Meta(MovieDetailSerializer.Meta):
        fields = (*MovieDetailSerializer.Meta.fields, "predicted_score")
