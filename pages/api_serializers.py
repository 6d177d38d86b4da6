"""Serializers of the API views that combine apps: movies with the viewer's predicted stars,
and people with their films."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api_serializers import MovieDetailSerializer, MovieSummarySerializer
from catalog.models import Credit, Movie
from catalog.selectors import Filmography
from recommendations.api_serializers import PredictedScoreField

PROFILE_PATH_HELP = "TMDB profile photo path (after a TMDB image base URL); may be empty."


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


class CreditedPersonSerializer(serializers.Serializer):
    """A person credited on a movie."""

    id = serializers.IntegerField(source="person_id", read_only=True)
    name = serializers.CharField(source="person.name", read_only=True)
    profile_path = serializers.CharField(
        source="person.profile_path", read_only=True, help_text=PROFILE_PATH_HELP
    )


class CastMemberSerializer(CreditedPersonSerializer):
    character = serializers.CharField(read_only=True, help_text="May be empty.")


class PredictedMovieDetailSerializer(MovieDetailSerializer):
    """One movie with its people, the viewer's rating and lists, and their predicted stars.
    The people come from context["people"] (catalog.selectors.movie_people)."""

    predicted_score = PredictedScoreField()
    directors = serializers.SerializerMethodField()
    writers = serializers.SerializerMethodField()
    cast = serializers.SerializerMethodField(help_text="The top-billed cast, in billing order.")

    class Meta(MovieDetailSerializer.Meta):
        fields = (
            *MovieDetailSerializer.Meta.fields,
            "predicted_score",
            "directors",
            "writers",
            "cast",
        )

    @extend_schema_field(CreditedPersonSerializer(many=True))
    def get_directors(self, movie: Movie) -> list[dict]:
        return CreditedPersonSerializer(self.context["people"].directors, many=True).data

    @extend_schema_field(CreditedPersonSerializer(many=True))
    def get_writers(self, movie: Movie) -> list[dict]:
        return CreditedPersonSerializer(self.context["people"].writers, many=True).data

    @extend_schema_field(CastMemberSerializer(many=True))
    def get_cast(self, movie: Movie) -> list[dict]:
        return CastMemberSerializer(self.context["people"].cast, many=True).data


class PersonCreditSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Credit.Role.choices, read_only=True)
    character = serializers.CharField(read_only=True, help_text="Cast only; may be empty.")
    movie = PredictedMovieSummarySerializer(read_only=True)


class PersonDetailSerializer(serializers.Serializer):
    """A person and their visible films (context["filmography"]), with the viewer's predicted
    stars: directing first, then writing, then acting, newest first within each."""

    id = serializers.IntegerField(read_only=True)
    tmdb_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    profile_path = serializers.CharField(read_only=True, help_text=PROFILE_PATH_HELP)
    credits = serializers.SerializerMethodField()

    @extend_schema_field(PersonCreditSerializer(many=True))
    def get_credits(self, person) -> list[dict]:
        filmography: Filmography = self.context["filmography"]
        credits = [
            {
                "role": role,
                "character": movie.character if role == Credit.Role.CAST else "",
                "movie": movie,
            }
            for role, films in (
                (Credit.Role.DIRECTOR, filmography.directed),
                (Credit.Role.WRITER, filmography.wrote),
                (Credit.Role.CAST, filmography.acted),
            )
            for movie in films
        ]
        return PersonCreditSerializer(credits, many=True, context=self.context).data
