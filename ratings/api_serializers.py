"""Serializers of the ratings endpoints: "download my data"."""

from __future__ import annotations

from rest_framework import serializers


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
