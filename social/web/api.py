"""The social endpoints: diary, reviews and likes, lists, people (follow, block, profile
with taste match), feed, notifications, reports, and "download my data" with them.

Who may see what is decided in social.models (through social.selectors): a row the
requester may not see answers 404, like a missing one. Writes are throttled per user
(scope `social_write`)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.models import User
from catalog.api import movie_or_404
from core.api import query_params
from core.api_policies import PageNumberPagination, ScopedThrottle
from ratings.api import MeExportView as RatingsExportView
from ratings.selectors import user_data_export
from social import selectors, services
from social.web.api_serializers import (
    DiaryEntrySerializer,
    DiaryUpdateSerializer,
    DiaryWriteSerializer,
    FeedItemSerializer,
    FullDataExportSerializer,
    ListEntrySerializer,
    ListEntryWriteSerializer,
    ListOrderSerializer,
    MovieListDetailSerializer,
    MovieListSerializer,
    MovieListUpdateSerializer,
    MovieListWriteSerializer,
    MovieReviewsQuerySerializer,
    NotificationSerializer,
    ProfileSerializer,
    RelationSerializer,
    ReportSerializer,
    ReviewSectionsSerializer,
    ReviewSerializer,
    ReviewWriteSerializer,
)
from social.web.taste_match import taste_match


class SocialWriteThrottle(ScopedThrottle):
    """Writes only, per user, at the `social_write` rate; reads fall to the default rates."""

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class _SocialView(GenericAPIView):
    throttle_classes = [*GenericAPIView.throttle_classes, SocialWriteThrottle]
    throttle_scope = "social_write"


class _PublicReadView(_SocialView):
    """Reads open to everyone (a visitor sees what public profiles share)."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method in SAFE_METHODS else [IsAuthenticated()]


def _movie_in_body(movie_id: int):
    """The visible movie a request body names; an unknown or hidden one is invalid input."""
    try:
        return movie_or_404(movie_id)
    except NotFound:
        raise ValidationError({"movie": [f"Movie {movie_id} does not exist."]}) from None


def _body(serializer_class, request: Request) -> dict:
    """The request's body, validated by `serializer_class` (400 when invalid)."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _created(data) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)


def _no_content() -> Response:
    return Response(status=status.HTTP_204_NO_CONTENT)


# --- Diary -----------------------------------------------------------------------------


def _diary_data(user, entry_id: int) -> dict:
    entry = selectors.diary_visible(viewer=user, owner=user).get(pk=entry_id)
    return DiaryEntrySerializer(entry).data


class DiaryView(_SocialView):
    @extend_schema(
        summary="Your diary, latest watch first", responses=DiaryEntrySerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        entries = selectors.diary_visible(viewer=request.user, owner=request.user)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(DiaryEntrySerializer(page, many=True).data)

    @extend_schema(
        summary="Log a watch",
        description="A score also sets your rating of the film; a review is written with it.",
        request=DiaryWriteSerializer,
        responses={201: DiaryEntrySerializer},
    )
    def post(self, request: Request) -> Response:
        data = _body(DiaryWriteSerializer, request)
        movie = _movie_in_body(data.pop("movie"))
        entry = services.diary_entry_create(user=request.user, movie_id=movie.pk, **data)
        return _created(_diary_data(request.user, entry.pk))


class DiaryEntryView(_SocialView):
    def _entry(self, request: Request, entry_id: int):
        return selectors.diary_entry_owned_get(user=request.user, entry_id=entry_id)

    @extend_schema(summary="One of your diary entries", responses=DiaryEntrySerializer)
    def get(self, request: Request, entry_id: int) -> Response:
        self._entry(request, entry_id)
        return Response(_diary_data(request.user, entry_id))

    @extend_schema(
        summary="Change a diary entry",
        description='`review` null or "" deletes its review; `score` null clears the '
        "entry's score (your rating stays).",
        request=DiaryUpdateSerializer,
        responses=DiaryEntrySerializer,
    )
    def patch(self, request: Request, entry_id: int) -> Response:
        entry = self._entry(request, entry_id)
        data = _body(DiaryUpdateSerializer, request)
        services.diary_entry_update(entry=entry, **data)
        return Response(_diary_data(request.user, entry_id))

    @extend_schema(summary="Delete a diary entry and its review", responses={204: None})
    def delete(self, request: Request, entry_id: int) -> Response:
        services.diary_entry_delete(entry=self._entry(request, entry_id))
        return _no_content()


# --- Reviews ---------------------------------------------------------------------------


class MovieReviewsView(_PublicReadView):
    @extend_schema(
        summary="A film's reviews",
        parameters=[MovieReviewsQuerySerializer],
        responses=ReviewSerializer(many=True),
    )
    def get(self, request: Request, movie_id: int) -> Response:
        sort = query_params(MovieReviewsQuerySerializer, request)["sort"]
        movie = movie_or_404(movie_id)
        reviews = selectors.movie_reviews(viewer=request.user, movie_id=movie.pk, sort=sort)
        page = self.paginate_queryset(reviews)
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)


class MovieReviewSectionsView(_PublicReadView):
    @extend_schema(
        summary="A film's reviews section",
        description="What the film page shows, in one request: up to "
        f"{selectors.REVIEW_SECTION_SIZE} reviews of each sort of `/reviews/` (popular, "
        "recent and from people you follow; that one is empty for a visitor).",
        responses=ReviewSectionsSerializer,
    )
    def get(self, request: Request, movie_id: int) -> Response:
        movie = movie_or_404(movie_id)
        sections = selectors.movie_review_sections(viewer=request.user, movie_id=movie.pk)
        return Response(ReviewSectionsSerializer(sections).data)


class ReviewView(_PublicReadView):
    @extend_schema(summary="A review", responses=ReviewSerializer)
    def get(self, request: Request, review_id: int) -> Response:
        review = selectors.review_visible_get(viewer=request.user, review_id=review_id)
        return Response(ReviewSerializer(review).data)

    @extend_schema(
        summary="Change your review", request=ReviewWriteSerializer, responses=ReviewSerializer
    )
    def patch(self, request: Request, review_id: int) -> Response:
        review = selectors.review_owned_get(user=request.user, review_id=review_id)
        data = _body(ReviewWriteSerializer, request)
        services.review_update(review=review, **data)
        review = selectors.review_visible_get(viewer=request.user, review_id=review_id)
        return Response(ReviewSerializer(review).data)

    @extend_schema(summary="Delete your review", responses={204: None})
    def delete(self, request: Request, review_id: int) -> Response:
        services.review_delete(
            review=selectors.review_owned_get(user=request.user, review_id=review_id)
        )
        return _no_content()


@extend_schema_view(
    post=extend_schema(
        summary="Like a review (idempotent)", request=None, responses=ReviewSerializer
    ),
    delete=extend_schema(
        summary="Take back your like (404 when there is none)", responses={204: None}
    ),
)
class ReviewLikeView(_SocialView):
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_visible_get(viewer=request.user, review_id=review_id)
        services.review_like(user=request.user, review=review)
        review = selectors.review_visible_get(viewer=request.user, review_id=review_id)
        return Response(ReviewSerializer(review).data)

    def delete(self, request: Request, review_id: int) -> Response:
        review = selectors.review_visible_get(viewer=request.user, review_id=review_id)
        if not services.review_unlike(user=request.user, review=review):
            raise NotFound("You do not like this review.")
        return _no_content()


class ReviewReportView(_SocialView):
    @extend_schema(
        summary="Report a review to the moderators", request=ReportSerializer, responses={204: None}
    )
    def post(self, request: Request, review_id: int) -> Response:
        review = selectors.review_visible_get(viewer=request.user, review_id=review_id)
        data = _body(ReportSerializer, request)
        services.report_create(reporter=request.user, review=review, **data)
        return _no_content()


# --- Lists -----------------------------------------------------------------------------


def _list_data(viewer, list_id: int) -> dict:
    movie_list = selectors.movie_list_visible_get(viewer=viewer, list_id=list_id)
    movie_list.shown_entries = list(selectors.movie_list_entries(movie_list=movie_list))
    movie_list.entry_count = len(movie_list.shown_entries)
    return MovieListDetailSerializer(movie_list).data


class MovieListsView(_SocialView):
    @extend_schema(
        summary="Make a list",
        request=MovieListWriteSerializer,
        responses={201: MovieListDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _body(MovieListWriteSerializer, request)
        movie_list = services.movie_list_create(user=request.user, **data)
        return _created(_list_data(request.user, movie_list.pk))


class MovieListView(_PublicReadView):
    @extend_schema(
        summary="A list with its entries",
        description="A private list answers 404 to anyone but its owner; an unlisted one is "
        "shown to whoever has its id.",
        responses=MovieListDetailSerializer,
    )
    def get(self, request: Request, list_id: int) -> Response:
        return Response(_list_data(request.user, list_id))

    @extend_schema(
        summary="Change your list",
        request=MovieListUpdateSerializer,
        responses=MovieListDetailSerializer,
    )
    def patch(self, request: Request, list_id: int) -> Response:
        movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
        data = _body(MovieListUpdateSerializer, request)
        services.movie_list_update(movie_list=movie_list, **data)
        return Response(_list_data(request.user, list_id))

    @extend_schema(summary="Delete your list", responses={204: None})
    def delete(self, request: Request, list_id: int) -> Response:
        services.movie_list_delete(
            movie_list=selectors.movie_list_owned_get(user=request.user, list_id=list_id)
        )
        return _no_content()


class MovieListEntriesView(_SocialView):
    @extend_schema(
        summary="Add a film to your list (at the end)",
        request=ListEntryWriteSerializer,
        responses={201: ListEntrySerializer},
    )
    def post(self, request: Request, list_id: int) -> Response:
        movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
        data = _body(ListEntryWriteSerializer, request)
        movie = _movie_in_body(data["movie"])
        entry = services.list_entry_add(
            movie_list=movie_list, movie_id=movie.pk, note=data.get("note", "")
        )
        entry.movie = movie
        return _created(ListEntrySerializer(entry).data)


class MovieListEntryView(_SocialView):
    @extend_schema(summary="Take a film off your list", responses={204: None})
    def delete(self, request: Request, list_id: int, movie_id: int) -> Response:
        movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
        if not services.list_entry_remove(movie_list=movie_list, movie_id=movie_id):
            raise NotFound("This film is not on the list.")
        return _no_content()


class MovieListOrderView(_SocialView):
    @extend_schema(
        summary="Reorder your list",
        request=ListOrderSerializer,
        responses=MovieListDetailSerializer,
    )
    def put(self, request: Request, list_id: int) -> Response:
        movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
        data = _body(ListOrderSerializer, request)
        services.list_entries_reorder(movie_list=movie_list, movie_ids=data["movies"])
        return Response(_list_data(request.user, list_id))


class MovieListCloneView(_SocialView):
    @extend_schema(
        summary="Copy a list you can see into a private list of yours",
        request=None,
        responses={201: MovieListDetailSerializer},
    )
    def post(self, request: Request, list_id: int) -> Response:
        source = selectors.movie_list_visible_get(viewer=request.user, list_id=list_id)
        copy = services.movie_list_clone(user=request.user, source=source)
        return _created(_list_data(request.user, copy.pk))


class MovieListReportView(_SocialView):
    @extend_schema(
        summary="Report a list to the moderators", request=ReportSerializer, responses={204: None}
    )
    def post(self, request: Request, list_id: int) -> Response:
        movie_list = selectors.movie_list_visible_get(viewer=request.user, list_id=list_id)
        data = _body(ReportSerializer, request)
        services.report_create(reporter=request.user, movie_list=movie_list, **data)
        return _no_content()


# --- People ----------------------------------------------------------------------------


class UserListsView(_PublicReadView):
    @extend_schema(
        summary="Someone's lists",
        description="Their public lists; all of yours on your own.",
        responses=MovieListSerializer(many=True),
    )
    def get(self, request: Request, username: str) -> Response:
        person = selectors.person_visible_get(viewer=request.user, username=username)
        page = self.paginate_queryset(selectors.movie_lists_of(viewer=request.user, owner=person))
        return self.get_paginated_response(MovieListSerializer(page, many=True).data)


def profile_data(*, viewer, person: User) -> dict:
    relation = selectors.person_relation(viewer=viewer, person=person)
    match = (
        taste_match(user_a=viewer, user_b=person)
        if viewer.is_authenticated and viewer.pk != person.pk
        else None
    )
    return {
        "username": person.username,
        "date_joined": person.date_joined,
        **selectors.person_counts(viewer=viewer, person=person),
        "you_follow": relation["following"],
        "follows_you": relation["followed_by"],
        "you_block": relation["blocking"],
        "taste_match": match.percent if match else None,
        "taste_match_why": match.why if match else None,
    }


class ProfileView(_PublicReadView):
    @extend_schema(summary="Someone's profile, with your taste match", responses=ProfileSerializer)
    def get(self, request: Request, username: str) -> Response:
        person = selectors.person_visible_get(viewer=request.user, username=username)
        return Response(ProfileSerializer(profile_data(viewer=request.user, person=person)).data)


def _relation(viewer, person: User) -> Response:
    relation = selectors.person_relation(viewer=viewer, person=person)
    return Response(RelationSerializer({"username": person.username, **relation}).data)


class FollowView(_SocialView):
    @extend_schema(
        summary="Follow someone (idempotent)", request=None, responses=RelationSerializer
    )
    def put(self, request: Request, username: str) -> Response:
        person = selectors.person_visible_get(viewer=request.user, username=username)
        services.follow(follower=request.user, followee=person)
        return _relation(request.user, person)

    @extend_schema(
        summary="Unfollow someone (404 when you do not follow them)", responses={204: None}
    )
    def delete(self, request: Request, username: str) -> Response:
        person = _active_person(username)
        if not services.unfollow(follower=request.user, followee=person):
            raise NotFound(f"You do not follow {username}.")
        return _no_content()


def _active_person(username: str) -> User:
    """Anyone with an active account: a block must reach even those you cannot see."""
    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise Http404("No such person.")
    return person


class BlockView(_SocialView):
    @extend_schema(
        summary="Block someone (idempotent)",
        description="Ends follows both ways; neither sees the other's activity.",
        request=None,
        responses=RelationSerializer,
    )
    def put(self, request: Request, username: str) -> Response:
        person = _active_person(username)
        services.block(blocker=request.user, blocked=person)
        return _relation(request.user, person)

    @extend_schema(summary="Unblock someone (404 when not blocked)", responses={204: None})
    def delete(self, request: Request, username: str) -> Response:
        if not services.unblock(blocker=request.user, blocked=_active_person(username)):
            raise NotFound(f"You do not block {username}.")
        return _no_content()


# --- Feed and notifications ------------------------------------------------------------


def feed_item_data(item: selectors.FeedItem) -> dict:
    row = item.diary_entry or item.review or item.movie_list
    return {
        "kind": item.kind,
        "created_at": item.created_at,
        "username": row.user.username,
        "diary_entry": item.diary_entry,
        "review": item.review,
        "movie_list": item.movie_list,
    }


class FeedPagination(PageNumberPagination):
    """?page and ?page_size as everywhere, without a count: the feed is read newest first,
    and counting it would read all of it. `next` is null on the last page."""

    # Fan-out on read reads page × size rows of each followed person, so the feed goes back
    # this many pages (and a page number the database cannot hold answers 404, not 500).
    max_page = 500

    def paginate_feed(self, request: Request, viewer) -> list:
        self.request = request
        raw = request.query_params.get(self.page_query_param, "1")
        if not raw.isdecimal() or not 1 <= int(raw) <= self.max_page:
            raise NotFound(f"Invalid page: {raw!r} (pages 1 to {self.max_page}).")
        self.number, self.size = int(raw), self.get_page_size(request)
        keys = selectors.feed_keys(
            viewer=viewer, offset=(self.number - 1) * self.size, limit=self.size + 1
        )
        if not keys and self.number > 1:
            raise NotFound("Invalid page: past the end of the feed.")
        self.more = len(keys) > self.size
        return keys[: self.size]

    def get_paginated_response(self, data) -> Response:
        def link(number: int) -> str:
            url = self.request.build_absolute_uri()
            return replace_query_param(url, self.page_query_param, number)

        return Response(
            {
                "next": link(self.number + 1) if self.more else None,
                "previous": link(self.number - 1) if self.number > 1 else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }


class FeedView(_SocialView):
    pagination_class = FeedPagination

    @extend_schema(
        summary="What the people you follow did, newest first",
        description="Their diary entries (with reviews), reviews written without a diary "
        "entry, and public lists.",
        responses=FeedItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        keys = self.paginator.paginate_feed(request, request.user)
        items = selectors.feed_items(viewer=request.user, keys=keys)
        data = FeedItemSerializer([feed_item_data(item) for item in items], many=True).data
        return self.get_paginated_response(data)


class NotificationsView(_SocialView):
    @extend_schema(
        summary="Your notifications, newest first",
        description="New followers and likes on your reviews.",
        responses=NotificationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.notifications_visible(user=request.user))
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationsReadView(APIView):
    throttle_classes = _SocialView.throttle_classes
    throttle_scope = "social_write"

    @extend_schema(summary="Mark all your notifications read", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        services.notifications_mark_read(user=request.user)
        return _no_content()


# --- "Download my data" ----------------------------------------------------------------


class MeExportView(RatingsExportView):
    @extend_schema(
        summary="Download all your data (JSON)",
        description="The same document as the website's JSON download: ratings, lists, "
        "diary, reviews and lists of films.",
        responses=FullDataExportSerializer,
    )
    def get(self, request: Request) -> Response:
        return Response(FullDataExportSerializer(user_data_export(user=request.user)).data)
