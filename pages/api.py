"""API views that combine apps: a movie with the viewer's own rating and lists."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import movie_or_404
from catalog.api_serializers import MovieDetailSerializer
from ratings.selectors import movie_state


class MovieDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(summary="One movie, with your rating and lists", responses=MovieDetailSerializer)
    def get(self, request: Request, movie_id: int) -> Response:
        movie = movie_or_404(movie_id)
        viewer_state = (
            movie_state(user=request.user, movie=movie) if request.user.is_authenticated else None
        )
        return Response(MovieDetailSerializer(movie, context={"viewer_state": viewer_state}).data)
