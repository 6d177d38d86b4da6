"""Catalogue endpoints: movies (list, search, detail), genres, staff jobs. ("More like this"
blends in the collaborative model, so it is served by recommendations.api.)"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api_selectors import genre_list, movie_browse_list
from catalog.api_serializers import (
    GenreSerializer,
    MovieListQuerySerializer,
    MovieSummarySerializer,
)
from catalog.models import Movie
from catalog.search import search_movies
from catalog.selectors import movie_get, movie_visible_list, movies_in_order
from core.api import query_params
from core.api_policies import PageNumberPagination

# Search ranks candidates rather than filtering rows, so it returns the best N and pages them.
SEARCH_RESULTS = 100


def movie_or_404(movie_id: int) -> Movie:
    """A visible movie; hidden ones are as missing as unknown ones."""
    try:
        return movie_get(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise NotFound(f"No movie {movie_id}.") from None


class MovieSearchPagination(PageNumberPagination):
    """Pages of movies. A search's pages also carry `people`, the cast and crew its words
    name, and `notice`, what the search page would say about the query."""

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["people"] = {
            "type": "array",
            "description": "Searches only: cast and crew whose name holds every word.",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                "required": ["id", "name"],
            },
        }
        response["properties"]["notice"] = {
            "type": "string",
            "description": "Searches only: why the results may not be what was meant, "
            "e.g. a name that is nobody in the cast and crew we know; empty otherwise.",
        }
        return response


class MovieListView(GenericAPIView):
    permission_classes = [AllowAny]
    pagination_class = MovieSearchPagination

    @extend_schema(
        summary="List, filter or search movies",
        parameters=[MovieListQuerySerializer],
        responses=MovieSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = query_params(MovieListQuerySerializer, self.request)
        if "q" not in params:
            page = self.paginate_queryset(
                movie_browse_list(filters=params["filters"], ordering=params["ordering"])
            )
        else:
            try:
                results = search_movies(params["q"], k=SEARCH_RESULTS, filters=params["filters"])
            except ValueError as exc:  # a query of only whitespace
                raise ValidationError({"q": [str(exc)]}) from None
            page = movies_in_order(self.paginate_queryset(results.movie_ids))
            response = self.get_paginated_response(self.page_serialize(list(page)))
            response.data["people"] = [{"id": p.pk, "name": p.name} for p in results.people]
            response.data["notice"] = results.unknown_person_notice
            return response
        return self.get_paginated_response(self.page_serialize(list(page)))

    def get_queryset(self) -> QuerySet[Movie]:
        # `get` builds its own list; the browsable API asks for this one to draw its forms.
        return movie_visible_list()

    def page_serialize(self, page: list[Movie]) -> list[dict]:
        """One page of movies as the response lists them; views above the catalogue extend
        it (pages.api adds the viewer's predicted stars)."""
        return MovieSummarySerializer(page, many=True).data


class GenreListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="All genres (not paginated)",
        responses=GenreSerializer(many=True),
        examples=[OpenApiExample("Genres", value=[{"id": 1, "name": "Comedy"}])],
    )
    def get(self, request: Request) -> Response:
        return Response(GenreSerializer(genre_list(), many=True).data)
