"""The JSON API: /api/v1/ (docs/api.md), its OpenAPI schema and Swagger UI."""

import re

from django.urls import URLPattern, include, path, re_path, reverse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import api as accounts
from catalog import api as catalog
from jobs import api as jobs
from pages import api as pages
from ratings import api as ratings
from recommendations import api as recommendations
from social.web import api as social


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
def api_not_found(request: Request, *args, **kwargs):
    """The last API route: unknown URLs get the error format too, not an HTML page."""
    hint = "" if request.path.endswith("/") else " API URLs end with a slash."
    raise NotFound(f"No API endpoint at {request.path}.{hint}")


# The social layer (social/web/api.py): diary, reviews, lists, people, feed.
social_v1 = [
    path("diary/", social.DiaryView.as_view(), name="diary"),
    path("diary/<int:entry_id>/", social.DiaryEntryView.as_view(), name="diary-entry"),
    path(
        "movies/<int:movie_id>/reviews/",
        social.MovieReviewsView.as_view(),
        name="movie-reviews",
    ),
    path(
        "movies/<int:movie_id>/reviews/section/",
        social.MovieReviewSectionsView.as_view(),
        name="movie-review-sections",
    ),
    path("reviews/<int:review_id>/", social.ReviewView.as_view(), name="review"),
    path("reviews/<int:review_id>/like/", social.ReviewLikeView.as_view(), name="review-like"),
    path(
        "reviews/<int:review_id>/report/",
        social.ReviewReportView.as_view(),
        name="review-report",
    ),
    path("lists/", social.MovieListsView.as_view(), name="lists"),
    path("lists/<int:list_id>/", social.MovieListView.as_view(), name="list"),
    path(
        "lists/<int:list_id>/entries/",
        social.MovieListEntriesView.as_view(),
        name="list-entries",
    ),
    path(
        "lists/<int:list_id>/entries/<int:movie_id>/",
        social.MovieListEntryView.as_view(),
        name="list-entry",
    ),
    path("lists/<int:list_id>/order/", social.MovieListOrderView.as_view(), name="list-order"),
    path("lists/<int:list_id>/clone/", social.MovieListCloneView.as_view(), name="list-clone"),
    path(
        "lists/<int:list_id>/report/",
        social.MovieListReportView.as_view(),
        name="list-report",
    ),
    path("users/<str:username>/", social.ProfileView.as_view(), name="user"),
    path("users/<str:username>/lists/", social.UserListsView.as_view(), name="user-lists"),
    path("users/<str:username>/follow/", social.FollowView.as_view(), name="user-follow"),
    path("users/<str:username>/block/", social.BlockView.as_view(), name="user-block"),
    path("feed/", social.FeedView.as_view(), name="feed"),
    path("notifications/", social.NotificationsView.as_view(), name="notifications"),
    path(
        "notifications/read/",
        social.NotificationsReadView.as_view(),
        name="notifications-read",
    ),
]


class ApiRootSerializer(serializers.Serializer):
    resources = serializers.DictField(
        child=serializers.CharField(),
        help_text="Each endpoint by name: its absolute URL, with {placeholders} for ids.",
    )
    docs = serializers.URLField(help_text="Swagger UI: every operation, explained.")
    schema = serializers.URLField(help_text="The OpenAPI 3 schema (YAML; ?format=json).")


# A path converter such as <int:movie_id>, written as the schema writes it: {movie_id}.
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


class ApiRootView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Where to start: every endpoint of this version, and the docs",
        responses=ApiRootSerializer,
    )
    def get(self, request: Request) -> Response:
        # Joined after build_absolute_uri, which would percent-encode the braces.
        root = request.build_absolute_uri(reverse("api:v1:root"))
        resources = {
            pattern.name: root + CONVERTER.sub(r"{\1}", route)
            for pattern in v1
            if (route := str(pattern.pattern))
        }
        body = {
            "resources": resources,
            "docs": request.build_absolute_uri(reverse("api:docs")),
            "schema": request.build_absolute_uri(reverse("api:schema")),
        }
        return Response(ApiRootSerializer(body).data)


v1: list[URLPattern] = [
    path("", ApiRootView.as_view(), name="root"),
    path("auth/register/", accounts.RegisterView.as_view(), name="register"),
    path("auth/token/", accounts.TokenView.as_view(), name="token"),
    path("auth/tokens/", accounts.ApiTokenListView.as_view(), name="token-list"),
    path(
        "auth/tokens/<int:token_id>/",
        accounts.ApiTokenDetailView.as_view(),
        name="token-detail",
    ),
    path("me/", accounts.MeView.as_view(), name="me"),
    path("me/delete/", accounts.MeDeleteView.as_view(), name="me-delete"),
    path("me/verify-email/", accounts.MeVerifyEmailView.as_view(), name="me-verify-email"),
    path("me/export/", social.MeExportView.as_view(), name="me-export"),
    path(
        "me/recommender/",
        recommendations.RecommenderChoiceView.as_view(),
        name="me-recommender",
    ),
    path("movies/", pages.MovieListView.as_view(), name="movie-list"),
    path("movies/<int:movie_id>/", pages.MovieDetailView.as_view(), name="movie-detail"),
    path(
        "movies/<int:movie_id>/similar/",
        recommendations.SimilarMoviesView.as_view(),
        name="movie-similar",
    ),
    path(
        "movies/<int:movie_id>/also-liked/",
        recommendations.AlsoLikedView.as_view(),
        name="movie-also-liked",
    ),
    path(
        "movies/<int:movie_id>/rating/",
        ratings.MovieRatingView.as_view(),
        name="movie-rating",
    ),
    path(
        "movies/<int:movie_id>/watchlist/",
        ratings.WatchlistMembershipView.as_view(),
        name="movie-watchlist",
    ),
    path(
        "movies/<int:movie_id>/not-interested/",
        ratings.NotInterestedMembershipView.as_view(),
        name="movie-not-interested",
    ),
    path("people/<int:person_id>/", pages.PersonDetailView.as_view(), name="person-detail"),
    path("genres/", catalog.GenreListView.as_view(), name="genre-list"),
    path("ratings/", ratings.RatingListView.as_view(), name="rating-list"),
    path("ratings/import/", ratings.RatingImportView.as_view(), name="rating-import"),
    path("watchlist/", ratings.WatchlistView.as_view(), name="watchlist"),
    path("not-interested/", ratings.NotInterestedView.as_view(), name="not-interested"),
    path(
        "recommendations/",
        recommendations.RecommendationsView.as_view(),
        name="recommendations",
    ),
    path(
        "recommendations/group/",
        recommendations.GroupRecommendationsView.as_view(),
        name="group-recommendations",
    ),
    *social_v1,
    path("admin/jobs/", jobs.JobListView.as_view(), name="admin-jobs"),
    path("admin/retrain/", recommendations.RetrainView.as_view(), name="admin-retrain"),
]

app_name = "api"
urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page is the same for everyone (it fetches the schema itself), so it authenticates
    # nobody: a bad token would fail again while an error page renders, a 500.
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", authentication_classes=[]),
        name="docs",
    ),
    # Last: any other URL under /api/ answers 404 in the API's error format.
    re_path(r"", api_not_found),
]
