"""Serializers of the ratings, lists, import and recommendations API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api_serializers import MAX_K, MovieFiltersSerializer, MovieSummarySerializer
from ratings.models import MAX_SCORE, MIN_SCORE
from ratings.selectors import RATING_SORTS, WATCHLIST_SORTS
from recommendations.config import Source
from recommendations.hybrid import Recommendation
from recommendations.rating_import import ExportFormat

# Besides the requesting user.
MAX_GROUP_MEMBERS = 7


@extend_schema_field(
    {
        "type": "number",
        "minimum": float(MIN_SCORE),
        "maximum": float(MAX_SCORE),
        "multipleOf": 0.5,
        "example": 4.5,
    }
)
class ScoreField(serializers.DecimalField):
    """Half stars from 0.5 to 5.0. The range and grid are checked by the rating service, the
    one place that owns them; this field only parses the number."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=3, decimal_places=1, coerce_to_string=False, **kwargs)


class RatingWriteSerializer(serializers.Serializer):
    score = ScoreField()


class RatingSerializer(serializers.Serializer):
    movie = MovieSummarySerializer(read_only=True)
    score = ScoreField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ListItemSerializer(serializers.Serializer):
    """An entry of the watchlist or the "not interested" list."""

    movie = MovieSummarySerializer(read_only=True)
    added_at = serializers.DateTimeField(source="created_at", read_only=True)


class RatingListQuerySerializer(serializers.Serializer):
    min_score = ScoreField(required=False, min_value=MIN_SCORE, max_value=MAX_SCORE)
    max_score = ScoreField(required=False, min_value=MIN_SCORE, max_value=MAX_SCORE)
    genre = serializers.CharField(
        required=False, allow_blank=True, help_text="Genre name, case-insensitive."
    )
    ordering = serializers.ChoiceField(
        choices=list(RATING_SORTS),
        default="date",
        help_text="date: recently rated first; score: highest first; title: A-Z; "
        "year: newest film first.",
    )


class WatchlistQuerySerializer(serializers.Serializer):
    ordering = serializers.ChoiceField(
        choices=list(WATCHLIST_SORTS),
        default="date",
        help_text="date: recently added first; score: best rated by everyone first; "
        "title: A-Z; year: newest film first.",
    )


# --- Import ----------------------------------------------------------------------------


class RatingImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="Letterboxd's ratings.csv or IMDb's ratings export (CSV, at most 5 MB)."
    )


class ImportedMovieSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)


class ImportRowSerializer(serializers.Serializer):
    """One data line of the file and what became of it."""

    line = serializers.IntegerField(help_text="Line number in the file (1 is the header).")
    title = serializers.CharField(allow_blank=True)
    year = serializers.IntegerField(allow_null=True)
    imdb_id = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True, help_text="In stars, 0.5 to 5.")
    movie = ImportedMovieSerializer(required=False, help_text="Matched rows: the movie rated.")
    candidates = ImportedMovieSerializer(
        many=True, required=False, help_text="Ambiguous rows: the movies it could be."
    )
    reason = serializers.CharField(required=False, help_text="Invalid rows: what is wrong.")


class ImportCountsSerializer(serializers.Serializer):
    matched = serializers.IntegerField()
    ambiguous = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    invalid = serializers.IntegerField()


class RatingImportReportSerializer(serializers.Serializer):
    """recommendations.rating_import.RatingImportReport.as_dict(): matched rows were rated."""

    format = serializers.ChoiceField(choices=[str(f) for f in ExportFormat])
    counts = ImportCountsSerializer()
    matched = ImportRowSerializer(many=True)
    ambiguous = ImportRowSerializer(many=True)
    unmatched = ImportRowSerializer(many=True)
    invalid = ImportRowSerializer(many=True)


# --- Recommendations -------------------------------------------------------------------


class KQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(
        required=False, default=20, min_value=1, max_value=MAX_K, help_text="How many."
    )


class RecommendationQuerySerializer(KQuerySerializer, MovieFiltersSerializer):
    exclude_watchlist = serializers.BooleanField(
        required=False, default=False, help_text="Leave out movies on your watchlist."
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

    def to_representation(self, recommendation: Recommendation) -> dict:
        # Built directly, like the movie in it: ten of these make up most responses.
        return {
            "movie": self.fields["movie"].to_representation(recommendation.movie),
            "score": float(recommendation.score),
            "explanation": recommendation.explanation,
            "source": str(recommendation.source),
            "model_version": recommendation.model_version,
        }


class RecommendationListSerializer(serializers.Serializer):
    results = RecommendationSerializer(many=True, read_only=True)
