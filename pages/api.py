"""API views that combine apps: movies with the viewer's own rating, lists and predicted stars,
and people with their films."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import api as catalog_api
from catalog.api import movie_or_404
from catalog.api_serializers import MovieListQuerySerializer
from catalog.models import Movie, Person
from catalog.selectors import movie_people, person_filmography, person_get
from pages.api_serializers import (
    PersonDetailSerializer,
    PredictedMovieDetailSerializer,
    PredictedMovieSummarySerializer,
)
from ratings.selectors import movie_state
from recommendations.predictions import predicted_scores


class MovieDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="One movie, with its people, your rating, lists and predicted stars",
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
            "people": movie_people(movie_id=movie.pk),
        }
        return Response(PredictedMovieDetailSerializer(movie, context=context).data)


class PersonDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="A person, with their films and your predicted stars",
        responses=PersonDetailSerializer,
    )
    def get(self, request: Request, person_id: int) -> Response:
        try:
            person = person_get(person_id=person_id)
        except Person.DoesNotExist:
            raise NotFound(f"No person {person_id}.") from None
        filmography = person_filmography(person_id=person.pk)
        context = {
            "filmography": filmography,
            "predicted": predicted_scores(
                user=request.user, movie_ids=[movie.pk for movie in filmography.movies]
            ),
        }
        return Response(PersonDetailSerializer(person, context=context).data)


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
