"""Serializers of the social endpoints (docs/api.md)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from rest_framework import serializers

from catalog.api_serializers import MovieSummarySerializer
from core.api import StrictCharField
from ratings.api_serializers import DataExportSerializer, ScoreField
from social.models import (
    LIST_NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REPORT_REASON_MAX_LENGTH,
    REVIEW_MAX_LENGTH,
    MovieList,
)
from social.selectors import REVIEW_SORTS

# Fields whose values go out as they are read (ints, strings, booleans).
_AS_IS = {serializers.IntegerField, serializers.CharField, serializers.BooleanField}


class DirectSerializer(serializers.Serializer):
    """A read-only serializer that builds its representation in one pass, from each field's
    getter and converter found once per serializer. DRF's field-by-field path (a
    get_attribute with its error handling and a to_representation per field and row)
    was most of the feed's serialisation; tests/social/test_api_serializers.py checks
    that the output is DRF's own."""

    @cached_property
    def _plan(self) -> list[tuple]:
        plan = []
        for name, field in self.fields.items():
            if isinstance(field, serializers.SerializerMethodField):
                plan.append((name, None, getattr(self, field.method_name)))
            else:
                convert = None if type(field) in _AS_IS else field.to_representation
                plan.append((name, field.source_attrs, convert))
        return plan

    def to_representation(self, instance) -> dict:
        data = {}
        for name, attrs, convert in self._plan:
            if attrs is None:
                data[name] = convert(instance)
                continue
            value = instance
            for attr in attrs:
                value = value[attr] if isinstance(value, Mapping) else getattr(value, attr)
            data[name] = value if convert is None or value is None else convert(value)
        return data


# --- Diary and reviews -----------------------------------------------------------------


class ReviewSerializer(DirectSerializer):
    id = serializers.IntegerField(read_only=True)
    movie = serializers.IntegerField(source="movie_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    text = serializers.CharField(read_only=True, help_text="As written: show it escaped.")
    contains_spoilers = serializers.BooleanField(read_only=True)
    likes = serializers.IntegerField(source="like_count", read_only=True)
    liked = serializers.BooleanField(read_only=True, help_text="Whether you like it.")
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ReviewSectionsSerializer(serializers.Serializer):
    """The film page's reviews section (social.selectors.movie_review_sections)."""

    following = ReviewSerializer(many=True, help_text="By people you follow, newest first.")
    popular = ReviewSerializer(many=True, help_text="Most liked first.")
    recent = ReviewSerializer(many=True, help_text="Newest first.")


class ReviewWriteSerializer(serializers.Serializer):
    text = StrictCharField(max_length=REVIEW_MAX_LENGTH, trim_whitespace=False)
    contains_spoilers = serializers.BooleanField(default=False)


class MovieReviewsQuerySerializer(serializers.Serializer):
    sort = serializers.ChoiceField(
        choices=[*REVIEW_SORTS, "following"],
        default="popular",
        help_text="popular (most liked), recent, or following (people you follow, newest).",
    )


class DiaryEntrySerializer(DirectSerializer):
    id = serializers.IntegerField(read_only=True)
    movie = MovieSummarySerializer(read_only=True)
    watched_on = serializers.DateField(read_only=True)
    rewatch = serializers.BooleanField(read_only=True)
    score = ScoreField(read_only=True, allow_null=True)
    # The review the viewer may see (social.selectors sets `shown_review`), or null.
    review = ReviewSerializer(source="shown_review", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


class DiaryWriteSerializer(serializers.Serializer):
    movie = serializers.IntegerField(min_value=1)
    watched_on = serializers.DateField(input_formats=["%Y-%m-%d"])
    rewatch = serializers.BooleanField(default=False)
    score = ScoreField(required=False, allow_null=True, help_text="Also sets your rating.")
    review = StrictCharField(
        required=False, allow_null=True, max_length=REVIEW_MAX_LENGTH, trim_whitespace=False
    )
    contains_spoilers = serializers.BooleanField(default=False)


class DiaryUpdateSerializer(serializers.Serializer):
    """Every field optional; `review` null or "" deletes the entry's review."""

    watched_on = serializers.DateField(input_formats=["%Y-%m-%d"], required=False)
    rewatch = serializers.BooleanField(required=False)
    score = ScoreField(required=False, allow_null=True)
    review = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=REVIEW_MAX_LENGTH,
        trim_whitespace=False,
    )
    contains_spoilers = serializers.BooleanField(required=False)


# --- Lists -----------------------------------------------------------------------------


class ListEntrySerializer(serializers.Serializer):
    movie = MovieSummarySerializer(read_only=True)
    position = serializers.IntegerField(read_only=True)
    note = serializers.CharField(read_only=True)


class ListEntryWriteSerializer(serializers.Serializer):
    movie = serializers.IntegerField(min_value=1)
    note = StrictCharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH)


class ListOrderSerializer(serializers.Serializer):
    movies = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        help_text="Every film id on the list, once, in the new order.",
    )


class MovieListSerializer(DirectSerializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    ranked = serializers.BooleanField(read_only=True)
    visibility = serializers.ChoiceField(choices=MovieList.Visibility.choices, read_only=True)
    entry_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class MovieListDetailSerializer(MovieListSerializer):
    entries = ListEntrySerializer(source="shown_entries", many=True, read_only=True)


class MovieListWriteSerializer(serializers.Serializer):
    name = StrictCharField(max_length=LIST_NAME_MAX_LENGTH)
    description = StrictCharField(required=False, allow_blank=True, max_length=REVIEW_MAX_LENGTH)
    ranked = serializers.BooleanField(default=False)
    visibility = serializers.ChoiceField(
        choices=MovieList.Visibility.choices, default=MovieList.Visibility.PUBLIC
    )


class MovieListUpdateSerializer(MovieListWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


# --- People ----------------------------------------------------------------------------


class TasteMatchSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=0, max_value=100)
    shared = serializers.IntegerField(help_text="Films you both rated.")
    why = serializers.CharField()


class ProfileSerializer(serializers.Serializer):
    username = serializers.CharField()
    date_joined = serializers.DateTimeField()
    followers = serializers.IntegerField()
    following = serializers.IntegerField()
    diary_entries = serializers.IntegerField()
    reviews = serializers.IntegerField()
    lists = serializers.IntegerField()
    you_follow = serializers.BooleanField()
    follows_you = serializers.BooleanField()
    you_block = serializers.BooleanField()
    taste_match = serializers.IntegerField(
        min_value=0,
        max_value=100,
        allow_null=True,
        help_text="0-100 % compatibility with you; null without enough shared ratings "
        "(or on your own profile).",
    )
    taste_match_why = serializers.CharField(allow_null=True)


class RelationSerializer(serializers.Serializer):
    username = serializers.CharField()
    following = serializers.BooleanField()
    blocking = serializers.BooleanField()


# --- Feed and notifications ------------------------------------------------------------


class FeedItemSerializer(DirectSerializer):
    kind = serializers.ChoiceField(choices=["diary", "review", "list"])
    created_at = serializers.DateTimeField()
    username = serializers.CharField()
    diary_entry = DiaryEntrySerializer(allow_null=True)
    review = ReviewSerializer(allow_null=True)
    movie_list = MovieListSerializer(allow_null=True)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    actor = serializers.CharField(source="actor.username")
    review = serializers.IntegerField(source="review_id", allow_null=True)
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class ReportSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=REPORT_REASON_MAX_LENGTH)


# --- "Download my data" ----------------------------------------------------------------


class ExportedDiaryEntrySerializer(serializers.Serializer):
    movie_id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    watched_on = serializers.DateField()
    rewatch = serializers.BooleanField()
    score = serializers.FloatField(allow_null=True)
    created_at = serializers.DateTimeField()


class ExportedReviewSerializer(serializers.Serializer):
    movie_id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    watched_on = serializers.DateField(allow_null=True)
    text = serializers.CharField()
    contains_spoilers = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ExportedListEntrySerializer(serializers.Serializer):
    movie_id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    position = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True)


class ExportedListSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    ranked = serializers.BooleanField()
    visibility = serializers.CharField()
    created_at = serializers.DateTimeField()
    entries = ExportedListEntrySerializer(many=True)


class FullDataExportSerializer(DataExportSerializer):
    """ratings' export with the social layer's: the diary, reviews and lists."""

    diary = ExportedDiaryEntrySerializer(many=True)
    reviews = ExportedReviewSerializer(many=True)
    lists = ExportedListSerializer(many=True)
