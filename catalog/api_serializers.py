"""Serializers of the catalogue API: movies, genres, filters and (for staff) jobs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api_selectors import MOVIE_ORDERINGS
from catalog.filters import MovieFilters
from catalog.models import MAX_YEAR, MIN_YEAR, Movie

MAX_K = 100


class GenreSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MovieSummarySerializer(serializers.ModelSerializer):
    """A movie in a list: enough for a poster grid."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True, help_text="Without the year.")
    year = serializers.IntegerField(read_only=True, allow_null=True)
    display_title = serializers.CharField(read_only=True, help_text='e.g. "Heat (1995)".')
    genres = serializers.ListField(
        child=serializers.CharField(), source="genre_names", read_only=True
    )
    poster_path = serializers.CharField(
        read_only=True, help_text="TMDB poster path (after a TMDB image base URL); may be empty."
    )
    rating_count = serializers.IntegerField(read_only=True)
    rating_mean = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Mean score; null before the first rating."
    )

    class Meta:
        model = Movie
        fields = (
            "id",
            "title",
            "year",
            "display_title",
            "genres",
            "poster_path",
            "rating_count",
            "rating_mean",
        )

    def to_representation(self, movie: Movie) -> dict:
        # The API's busiest representation (every list, search page and recommendation),
        # built directly: DRF's field-by-field path cost ten times more, for the same
        # result (tests/catalog/test_api_serializers.py compares the two).
        return {
            "id": movie.pk,
            "title": movie.title,
            "year": movie.year,
            "display_title": movie.display_title,
            "genres": list(movie.genre_names),
            "poster_path": movie.poster_path,
            "rating_count": movie.rating_count,
            "rating_mean": movie.rating_mean,
        }


class ViewerStateSerializer(serializers.Serializer):
    """What the requesting user did with the movie (ratings.selectors.MovieState)."""

    score = serializers.DecimalField(
        max_digits=2,
        decimal_places=1,
        read_only=True,
        allow_null=True,
        coerce_to_string=False,
        help_text="Your rating; null when you have not rated it.",
    )
    on_watchlist = serializers.BooleanField(read_only=True)
    not_interested = serializers.BooleanField(read_only=True)


class MovieDetailSerializer(MovieSummarySerializer):
    overview = serializers.CharField(read_only=True)
    tagline = serializers.CharField(read_only=True)
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)
    runtime = serializers.IntegerField(read_only=True, allow_null=True, help_text="Minutes.")
    language = serializers.CharField(read_only=True, help_text="ISO 639-1; may be empty.")
    imdb_id = serializers.CharField(read_only=True, help_text="e.g. tt0114709; may be empty.")
    tmdb_id = serializers.IntegerField(read_only=True, allow_null=True)
    viewer = serializers.SerializerMethodField(
        help_text="Your rating and lists for this movie; null when not signed in."
    )

    # Every declared field, through DRF's generic path (one movie per response).
    to_representation = serializers.ModelSerializer.to_representation

    class Meta(MovieSummarySerializer.Meta):
        fields = (
            *MovieSummarySerializer.Meta.fields,
            "overview",
            "tagline",
            "keywords",
            "runtime",
            "language",
            "imdb_id",
            "tmdb_id",
            "viewer",
        )

    @extend_schema_field(ViewerStateSerializer(allow_null=True))
    def get_viewer(self, movie) -> dict | None:
        state = self.context["viewer_state"]
        return None if state is None else ViewerStateSerializer(state).data


class ScoredMovieSerializer(serializers.Serializer):
    movie = MovieSummarySerializer(read_only=True)
    score = serializers.FloatField(
        read_only=True,
        help_text="How alike, higher first: content and collaborative cosines, similarity "
        "evidence and priors (docs/evaluation.md).",
    )


class ScoredMovieListSerializer(serializers.Serializer):
    results = ScoredMovieSerializer(many=True, read_only=True)


# --- Query parameters ------------------------------------------------------------------


@extend_schema_field(
    {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR - 10, "multipleOf": 10}
)
class DecadeField(serializers.IntegerField):
    """A decade by its first year, e.g. 1990 for 1990-1999."""


class MovieFiltersSerializer(serializers.Serializer):
    """The catalogue filters shared by lists, search, "more like this" and recommendations;
    validated data carries them as `filters` (a catalog.filters.MovieFilters)."""

    genre = serializers.CharField(
        required=False, allow_blank=True, help_text="Genre name, case-insensitive."
    )
    decade = DecadeField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR - 10)
    year_min = serializers.IntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    year_max = serializers.IntegerField(required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)

    def validate_decade(self, decade: int) -> int:
        try:
            MovieFilters(decade=decade)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return decade

    def validate(self, attrs: dict) -> dict:
        try:
            attrs["filters"] = MovieFilters(
                genre=attrs.pop("genre", "") or None,
                decade=attrs.pop("decade", None),
                year_min=attrs.pop("year_min", None),
                year_max=attrs.pop("year_max", None),
            )
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return attrs


class MovieListQuerySerializer(MovieFiltersSerializer):
    q = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Free-text search (titles, keywords and meaning). Results are then the best "
        "100 matches, most relevant first, and `ordering` must not be given.",
    )
    ordering = serializers.ChoiceField(
        choices=list(MOVIE_ORDERINGS), required=False, help_text="Default: popularity."
    )

    def validate(self, attrs: dict) -> dict:
        if "q" in attrs and "ordering" in attrs:
            raise serializers.ValidationError(
                {"ordering": ["Search results are ordered by relevance; drop ordering or q."]}
            )
        attrs.setdefault("ordering", "popularity")
        return super().validate(attrs)


class SimilarQuerySerializer(MovieFiltersSerializer):
    k = serializers.IntegerField(required=False, default=10, min_value=1, max_value=MAX_K)
