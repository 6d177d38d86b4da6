"""Serializers of the ratings endpoints: ratings, lists, their import and "download my data"."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api_serializers import MovieSummarySerializer
from ratings.models import MAX_SCORE, MIN_SCORE
from ratings.rating_import import ExportFormat
from ratings.selectors import RATING_SORTS, WATCHLIST_SORTS

# Besides the requesting user.
MAX_GROUP_MEMBERS = 7


class ExportedUserSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.CharField()
    date_joined = serializers.DateTimeField()
    profile_is_public = serializers.BooleanField()
    allow_group_recommendations = serializers.BooleanField()


class ExportedEntrySerializer(serializers.Serializer):
    """A movie in the export, named by every id other services understand."""

    movie_id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    movielens_id = serializers.IntegerField(allow_null=True)
    imdb_id = serializers.CharField(allow_blank=True)
    tmdb_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class ExportedRatingSerializer(ExportedEntrySerializer):
    score = serializers.FloatField()
    updated_at = serializers.DateTimeField()


class DataExportSerializer(serializers.Serializer):
    """ratings.selectors.user_data_export: the same JSON as the website's download."""

    format_version = serializers.IntegerField()
    exported_at = serializers.DateTimeField()
    user = ExportedUserSerializer()
    ratings = ExportedRatingSerializer(many=True)
    watchlist = ExportedEntrySerializer(many=True)
    not_interested = ExportedEntrySerializer(many=True)


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
    """ratings.rating_import.RatingImportReport.as_dict(): matched rows were rated."""

    format = serializers.ChoiceField(choices=[str(f) for f in ExportFormat])
    counts = ImportCountsSerializer()
    matched = ImportRowSerializer(many=True)
    ambiguous = ImportRowSerializer(many=True)
    unmatched = ImportRowSerializer(many=True)
    invalid = ImportRowSerializer(many=True)
