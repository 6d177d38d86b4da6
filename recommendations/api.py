"""Recommendation endpoints: your list, a group's, "more like this", "also liked", and
retraining (staff).

Every one of them reads and writes only the requesting user's own data: no URL or
parameter names another user's ratings or lists.
"""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import movie_or_404
from catalog.api_serializers import ScoredMovieListSerializer, SimilarQuerySerializer
from core.api import ErrorSerializer, query_params
from jobs.api_serializers import JobSerializer
from recommendations.api_selectors import group_members_get
from recommendations.api_serializers import (
    GroupRecommendationQuerySerializer,
    KQuerySerializer,
    RecommendationListSerializer,
    RecommendationQuerySerializer,
    RecommenderChoiceSerializer,
)
from recommendations.config import Algorithm
from recommendations.followed import with_followed_love
from recommendations.hybrid import (
    Recommendation,
    also_liked,
    recommend_for_group,
    recommend_for_user,
)
from recommendations.predictions import predicted_scores
from recommendations.selectors import recommender_algorithm
from recommendations.services import recommender_algorithm_set
from recommendations.similar import similar_to
from recommendations.tasks import training_job_start

# --- Recommendations -------------------------------------------------------------------


def _recommendations_response(
    recommendations: list[Recommendation], *, predicted: Mapping[int, float | None]
) -> Response:
    """The list, each with the requesting user's `predicted` stars (by movie id)."""
    serializer = RecommendationListSerializer(
        {"results": recommendations}, context={"predicted": predicted}
    )
    return Response(serializer.data)


def _predicted_now(request: Request, recommendations: list[Recommendation]) -> dict[int, float]:
    """For the lists that do not come with their predictions (one prediction for all)."""
    return predicted_scores(
        user=request.user, movie_ids=[item.movie.pk for item in recommendations]
    )


class RecommendationsView(APIView):
    @extend_schema(
        summary="Your recommendations, each with why",
        parameters=[RecommendationQuerySerializer],
        responses=RecommendationListSerializer,
    )
    def get(self, request: Request) -> Response:
        params = query_params(RecommendationQuerySerializer, request)
        # Without the parameter, the user's choice: recommend_for_user reads it with the
        # versions it checks anyway.
        algorithm = params.get("algorithm")
        recommendations = with_followed_love(
            request.user,
            recommend_for_user(
                request.user,
                k=params["k"],
                filters=params["filters"],
                exclude_watchlist=params["exclude_watchlist"],
                algorithm=Algorithm(algorithm) if algorithm else None,
            ),
        )
        # Predicted with the list, and cached with it.
        predicted = {item.movie.pk: item.predicted_score for item in recommendations}
        return _recommendations_response(recommendations, predicted=predicted)


class RecommenderChoiceView(APIView):
    @extend_schema(summary="The recommender you chose", responses=RecommenderChoiceSerializer)
    def get(self, request: Request) -> Response:
        algorithm = recommender_algorithm(user_id=request.user.pk)
        return Response(RecommenderChoiceSerializer({"algorithm": algorithm.value}).data)

    @extend_schema(
        summary="Choose your recommender",
        description="Remembered for your account: your lists on the site and in the API "
        "use it from the next request.",
        request=RecommenderChoiceSerializer,
        responses=RecommenderChoiceSerializer,
    )
    def put(self, request: Request) -> Response:
        serializer = RecommenderChoiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        choice = recommender_algorithm_set(
            user=request.user, algorithm=Algorithm(serializer.validated_data["algorithm"])
        )
        return Response(RecommenderChoiceSerializer({"algorithm": choice.algorithm}).data)


class GroupRecommendationsView(APIView):
    @extend_schema(
        summary="Movies to watch together with other users",
        description="Each named user must allow group recommendations in their settings. "
        "Otherwise, or when a name is unknown, the answer is 403 naming who cannot join, "
        "without telling which of the two it is. Films any member rated, watchlisted or "
        "marked not interested are always left out, so the picks reveal nothing about them.",
        parameters=[GroupRecommendationQuerySerializer],
        responses={
            200: RecommendationListSerializer,
            403: OpenApiResponse(
                ErrorSerializer,
                description="A named user does not exist or does not allow group picks.",
            ),
        },
    )
    def get(self, request: Request) -> Response:
        params = query_params(GroupRecommendationQuerySerializer, request)
        members = group_members_get(viewer=request.user, usernames=params["with"])
        recommendations = recommend_for_group([request.user, *members], k=params["k"])
        return _recommendations_response(
            recommendations, predicted=_predicted_now(request, recommendations)
        )


class SimilarMoviesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="More like this: the most alike movies",
        description="Content similarity blended with the collaborative model's, shared "
        "genres, keywords, tags and people, the franchise, and quality and familiarity "
        "priors; no collaborative part for a movie too new for the model. Exactly `k` "
        "results whenever `k` movies match the filters.",
        parameters=[SimilarQuerySerializer],
        responses=ScoredMovieListSerializer,
    )
    def get(self, request: Request, movie_id: int) -> Response:
        movie = movie_or_404(movie_id)
        params = query_params(SimilarQuerySerializer, request)
        neighbours = similar_to(movie, k=params["k"], filters=params["filters"])
        results = [{"movie": other, "score": other.similarity} for other in neighbours]
        return Response(ScoredMovieListSerializer({"results": results}).data)


class AlsoLikedView(APIView):
    permission_classes = [AllowAny]  # public, like the movie itself

    @extend_schema(
        summary="People who liked this movie also liked",
        description="From the collaborative model; empty before the first training or for a "
        "movie too new to be in it.",
        parameters=[KQuerySerializer],
        responses=RecommendationListSerializer,
    )
    def get(self, request: Request, movie_id: int) -> Response:
        movie = movie_or_404(movie_id)
        k = query_params(KQuerySerializer, request)["k"]
        recommendations = also_liked(movie, k=k)
        return _recommendations_response(
            recommendations, predicted=_predicted_now(request, recommendations)
        )


# --- Staff -----------------------------------------------------------------------------


class RetrainView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        tags=["admin"],
        summary="Queue a training of the recommender (staff only)",
        description="Answers at once with the queued job; GET /api/v1/admin/jobs/ follows it. "
        "The new model serves when the training succeeds.",
        request=None,
        responses={202: JobSerializer},
    )
    def post(self, request: Request) -> Response:
        job = training_job_start(description=f"Retrain (API, by {request.user.get_username()})")
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
