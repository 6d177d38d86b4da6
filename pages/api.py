"""API views that combine apps: movies with the viewer's own rating, lists and predicted stars."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import api as catalog_api
from catalog.api import movie_or_404
from catalog.api_serializers import MovieListQuerySerializer
from catalog.models import Movie
from pages.api_serializers import PredictedMovieDetailSerializer, PredictedMovieSummarySerializer
from ratings.selectors import movie_state
from recommendations.predictions import predicted_scores


class MovieDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="One movie, with your rating, lists and predicted stars",
        responses=PredictedMovieDetailSerializer,
    )
    def get(self, request: Request, movie_id: int) -> Response:
        movie = movie_or_404(movie_id)
        viewer_state = (
            movie_state(user=request.user, movie=movie) if request.user.is_authenticated else None
        )
        context = {
            "viewer_state": viewer_state,
            "predicted": predicted_scores(user=request.user, movie_ids=[movie.pk]),
        }
        return Response(PredictedMovieDetailSerializer(movie, context=context).data)


class MovieListView(catalog_api.MovieListView):
    """The catalogue's list and search, each movie with the viewer's predicted stars."""

    @extend_schema(
        summary="List, filter or search movies",
        parameters=[MovieListQuerySerializer],
        responses=PredictedMovieSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    def page_serialize(self, page: list[Movie]) -> list[dict]:
        predicted = predicted_scores(user=self.request.user, movie_ids=[m.pk for m in page])
        return PredictedMovieSummarySerializer(
            page, many=True, context={"predicted": predicted}
        ).data
