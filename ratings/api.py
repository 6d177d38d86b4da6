"""Ratings endpoints: rate a movie, your ratings and their import, the watchlist and
"not interested", and "download my data"."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model, QuerySet
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import movie_or_404
from core.api import ErrorSerializer, query_params

# --- Recommendations -------------------------------------------------------------------
from ratings.api_serializers import (
    DataExportSerializer,
    ListItemSerializer,
    RatingImportReportSerializer,
    RatingImportUploadSerializer,
    RatingListQuerySerializer,
    RatingSerializer,
    RatingWriteSerializer,
    WatchlistQuerySerializer,
)
from ratings.models import NotInterested, Rating, WatchlistItem
from ratings.rating_import import MAX_IMPORT_BYTES, ratings_import_file
from ratings.selectors import (
    not_interested_list,
    rating_filtered_list,
    user_data_export,
    watchlist_list_sorted,
)
from ratings.services import (
    not_interested_add,
    not_interested_remove,
    rating_delete,
    rating_upsert,
    watchlist_add,
    watchlist_remove,
)


class MeExportView(APIView):
    @extend_schema(
        summary="Download all your data (JSON)",
        description="The same document as the website's JSON download.",
        responses=DataExportSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(DataExportSerializer(user_data_export(user=request.user)).data)


# --- Ratings ---------------------------------------------------------------------------


class MovieRatingView(APIView):
    @extend_schema(
        summary="Rate a movie (create or change your rating)",
        description="Idempotent: the same request twice leaves one rating. Always 200.",
        request=RatingWriteSerializer,
        responses=RatingSerializer,
        examples=[OpenApiExample("Four and a half stars", value={"score": 4.5}, request_only=True)],
    )
    def put(self, request: Request, movie_id: int) -> Response:
        movie = movie_or_404(movie_id)
        serializer = RatingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = rating_upsert(
            user=request.user, movie=movie, score=serializer.validated_data["score"]
        )
        # Its rating count and mean just moved. Read by id, not as a visible movie: staff
        # may have hidden it since, and the rating is saved all the same.
        movie.refresh_from_db(fields=["rating_count", "rating_sum", "rating_mean"])
        rating.movie = movie
        return Response(RatingSerializer(rating).data)

    @extend_schema(summary="Remove your rating (404 when there is none)", responses={204: None})
    def delete(self, request: Request, movie_id: int) -> Response:
        if not rating_delete(user=request.user, movie=movie_or_404(movie_id)):
            raise NotFound("You have not rated this movie.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class RatingListView(GenericAPIView):
    @extend_schema(
        summary="Your ratings",
        parameters=[RatingListQuerySerializer],
        responses=RatingSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(RatingSerializer(page, many=True).data)

    def get_queryset(self) -> QuerySet[Rating]:
        params = query_params(RatingListQuerySerializer, self.request)
        return rating_filtered_list(
            user=self.request.user,
            sort=params["ordering"],
            min_score=params.get("min_score"),
            max_score=params.get("max_score"),
            genre=params.get("genre"),
        )


class FileTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"
    default_detail = "The file is too large."


class RatingImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import ratings from a Letterboxd or IMDb CSV export",
        description="Rates every row that matches exactly one movie (an existing rating of "
        "that movie is replaced) and reports every row: matched, ambiguous (with the "
        "candidates), unmatched and invalid (with the reason). A file that is not one of the "
        "two exports is refused whole with 400.",
        request={"multipart/form-data": RatingImportUploadSerializer},
        responses={
            200: RatingImportReportSerializer,
            413: OpenApiResponse(ErrorSerializer, description="The file is over 5 MB."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = RatingImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        # Checked before reading, so that an oversized upload is never held in memory.
        if upload.size > MAX_IMPORT_BYTES:
            raise FileTooLarge(
                f"{upload.name} is {upload.size / 1024 / 1024:.1f} MB; "
                f"the limit is {MAX_IMPORT_BYTES // 1024 // 1024} MB."
            )
        try:
            report = ratings_import_file(
                user=request.user, data=upload.read(), filename=upload.name
            )
        except ValueError as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        return Response(RatingImportReportSerializer(report.as_dict()).data)


# --- Watchlist and "not interested" ----------------------------------------------------


class _MovieListMembershipView(APIView):
    """PUT adds the movie to one of the user's lists (idempotent), DELETE takes it off."""

    list_name: str
    add: Callable[..., Model]
    remove: Callable[..., bool]

    @extend_schema(request=None, responses=ListItemSerializer)
    def put(self, request: Request, movie_id: int) -> Response:
        item = self.add(user=request.user, movie=movie_or_404(movie_id))
        return Response(ListItemSerializer(item).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, movie_id: int) -> Response:
        if not self.remove(user=request.user, movie=movie_or_404(movie_id)):
            raise NotFound(f"This movie is not on your {self.list_name}.")
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    put=extend_schema(summary="Add a movie to your watchlist"),
    delete=extend_schema(summary="Take a movie off your watchlist (404 when not on it)"),
)
class WatchlistMembershipView(_MovieListMembershipView):
    list_name = "watchlist"
    add = staticmethod(watchlist_add)
    remove = staticmethod(watchlist_remove)


@extend_schema_view(
    put=extend_schema(summary="Never recommend this movie to you"),
    delete=extend_schema(
        summary='Take a movie off your "not interested" list (404 when not on it)'
    ),
)
class NotInterestedMembershipView(_MovieListMembershipView):
    list_name = '"not interested" list'
    add = staticmethod(not_interested_add)
    remove = staticmethod(not_interested_remove)


class WatchlistView(GenericAPIView):
    @extend_schema(
        summary="Your watchlist",
        parameters=[WatchlistQuerySerializer],
        responses=ListItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ListItemSerializer(page, many=True).data)

    def get_queryset(self) -> QuerySet[WatchlistItem]:
        sort = query_params(WatchlistQuerySerializer, self.request)["ordering"]
        return watchlist_list_sorted(user=self.request.user, sort=sort).prefetch_related(
            "movie__genres"
        )


class NotInterestedView(GenericAPIView):
    @extend_schema(
        summary='Your "not interested" list, newest first',
        responses=ListItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ListItemSerializer(page, many=True).data)

    def get_queryset(self) -> QuerySet[NotInterested]:
        return not_interested_list(user=self.request.user).prefetch_related("movie__genres")
