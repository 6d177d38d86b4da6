"""Serializers of the recommendation endpoints."""

from __future__ import annotations

from rest_framework import serializers

from catalog.api_serializers import MAX_K, MovieFiltersSerializer, MovieSummarySerializer
from catalog.models import Movie
from recommendations.config import ALGORITHM_CHOICES, MAX_GROUP_MEMBERS, Algorithm, Source
from recommendations.hybrid import Recommendation

# --- Predicted ratings -----------------------------------------------------------------


class PredictedScoreField(serializers.FloatField):
    """`predicted_score` of a movie, wherever a response carries it. The value comes from
    the serializer's context["predicted"] ({movie id: stars}, made by
    recommendations.predictions.predicted_scores for the whole response), never from the
    movie; its `source` is the movie ("*" on a movie serializer)."""

    def __init__(self, *, source: str = "*") -> None:
        super().__init__(
            source=source,
            read_only=True,
            allow_null=True,
            min_value=0.5,
            max_value=5.0,
            help_text="The stars we think you would give this movie (0.5 to 5.0, one "
            "decimal), from your current ratings. Null when you are not signed in, have no "
            "ratings yet or have rated this movie (see your own rating), and before a "
            "rating model is trained.",
        )

    def to_representation(self, movie: Movie) -> float | None:
        return self.context.get("predicted", {}).get(movie.pk)


# --- Recommendations -------------------------------------------------------------------


class KQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(
        required=False, default=20, min_value=1, max_value=MAX_K, help_text="How many."
    )


def _algorithm_help() -> str:
    return "; ".join(
        f"`{a.value}`: {a.description}" for a in map(Algorithm, dict(ALGORITHM_CHOICES))
    )


class RecommenderChoiceSerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(
        choices=ALGORITHM_CHOICES,
        help_text=f"The recommender behind your lists. {_algorithm_help()}.",
    )


class RecommendationQuerySerializer(KQuerySerializer, MovieFiltersSerializer):
    exclude_watchlist = serializers.BooleanField(
        required=False, default=False, help_text="Leave out movies on your watchlist."
    )
    algorithm = serializers.ChoiceField(
        choices=ALGORITHM_CHOICES,
        required=False,
        help_text="Which recommender ranks this list; by default the one you chose "
        f"(GET /api/v1/me/recommender/), else the hybrid. {_algorithm_help()}.",
    )


class GroupRecommendationQuerySerializer(KQuerySerializer):
    def get_fields(self) -> dict:
        # "with" is a Python keyword, so it cannot be declared as a class attribute.
        return {
            "with": serializers.CharField(
                help_text="Comma-separated usernames of the others in the group (up to "
                f"{MAX_GROUP_MEMBERS}); each must allow group recommendations.",
            ),
            **super().get_fields(),
        }

    def validate_with(self, value: str) -> list[str]:
        usernames = list(dict.fromkeys(name for name in map(str.strip, value.split(",")) if name))
        if not usernames:
            raise serializers.ValidationError("Name at least one other user.")
        if len(usernames) > MAX_GROUP_MEMBERS:
            raise serializers.ValidationError(f"At most {MAX_GROUP_MEMBERS} other users.")
        return usernames


class RecommendationSerializer(serializers.Serializer):
    movie = MovieSummarySerializer(read_only=True)
    score = serializers.FloatField(
        read_only=True, help_text="Higher is better; comparable within one response only."
    )
    explanation = serializers.CharField(read_only=True, help_text='e.g. "Because you liked Heat".')
    source = serializers.ChoiceField(
        choices=[str(s) for s in Source],
        read_only=True,
        help_text="Which part of the recommender mostly chose it.",
    )
    model_version = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The collaborative model's version; null before the first training.",
    )
    predicted_score = PredictedScoreField(source="movie")

    def to_representation(self, recommendation: Recommendation) -> dict:
        # Built directly, like the movie in it: ten of these make up most responses.
        return {
            "movie": self.fields["movie"].to_representation(recommendation.movie),
            "score": float(recommendation.score),
            "explanation": recommendation.explanation,
            "source": str(recommendation.source),
            "model_version": recommendation.model_version,
            "predicted_score": self.fields["predicted_score"].to_representation(
                recommendation.movie
            ),
        }


class RecommendationListSerializer(serializers.Serializer):
    results = RecommendationSerializer(many=True, read_only=True)
