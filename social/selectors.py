"""Reads of the social layer. What another person may see is decided by the models'
`visible_to` and `profile_visible_q` only; these functions combine them."""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber, TruncMonth
from django.http import Http404

from accounts.models import User
from catalog.models import Genre
from catalog.selectors import UNSHOWN_FIELDS
from ratings.models import Rating
from social.models import (
    Block,
    DiaryEntry,
    Follow,
    MovieList,
    Notification,
    Review,
    ReviewLike,
    profile_visible_q,
)

# A followed person "loves" a film they rated at least this.
LOVED_SCORE = Decimal("4.0")


def _or_404(queryset: QuerySet, what: str, **lookup):
    """A row the caller may not see is reported missing, never forbidden: it reveals nothing."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404(f"No such {what}.")
    return found


# --- People ----------------------------------------------------------------------------


def person_visible_get(*, viewer, username: str) -> User:
    """Someone `viewer` may see (themselves included), or Http404."""
    return _or_404(User.objects.filter(profile_visible_q(viewer)), "person", username=username)


def people_visible(*, viewer) -> QuerySet[User]:
    return User.objects.filter(profile_visible_q(viewer))


def person_relation(*, viewer, person: User) -> dict[str, bool]:
    """Whether the viewer follows, blocks, or is followed by `person`."""
    if not viewer.is_authenticated or viewer.pk == person.pk:
        return {"following": False, "followed_by": False, "blocking": False}
    return {
        "following": Follow.objects.filter(follower=viewer, followee=person).exists(),
        "followed_by": Follow.objects.filter(follower=person, followee=viewer).exists(),
        "blocking": Block.objects.filter(blocker=viewer, blocked=person).exists(),
    }


def followers_visible(*, viewer, person: User) -> QuerySet[User]:
    return people_visible(viewer=viewer).filter(following_set__followee=person).order_by("username")


def following_visible(*, viewer, person: User) -> QuerySet[User]:
    return people_visible(viewer=viewer).filter(follower_set__follower=person).order_by("username")


def following_ids(*, user) -> QuerySet:
    """The ids of whom `user` follows and may still see (a block or a private profile drops
    them): a lazy query, so that it joins the query that uses it as a subquery."""
    if not user.is_authenticated:
        return User.objects.none().values_list("pk", flat=True)
    return following_visible(viewer=user, person=user).order_by().values_list("pk", flat=True)


def person_counts(*, viewer, person: User) -> dict[str, int]:
    """How many followers, followed people, diary entries, reviews and lists of `person`
    the viewer may see, in one query."""
    own = viewer.is_authenticated and viewer.pk == person.pk
    sql, template = _person_counts_sql(authenticated=viewer.is_authenticated, own=own)
    values = {_VIEWER_STAND_IN: viewer.pk, _PERSON_STAND_IN: person.pk}
    with connection.cursor() as cursor:
        cursor.execute(sql, _stand_ins_swapped(template, values))
        return dict(zip(_PERSON_COUNTS, cursor.fetchone(), strict=True))


_PERSON_COUNTS = ("followers", "following", "diary_entries", "reviews", "lists")


@functools.lru_cache(maxsize=4)
def _person_counts_sql(*, authenticated: bool, own: bool) -> tuple[str, tuple]:
    """person_counts' query, built once per process (see _VIEWER_STAND_IN); one's own
    profile has its own (movie_lists_of shows the owner every list)."""
    viewer = User(pk=_VIEWER_STAND_IN) if authenticated else AnonymousUser()
    person = viewer if own else User(pk=_PERSON_STAND_IN)
    counted = [
        followers_visible(viewer=viewer, person=person),
        following_visible(viewer=viewer, person=person),
        DiaryEntry.objects.filter(user=person),
        Review.objects.visible_to(viewer).filter(user=person),
        movie_lists_of(viewer=viewer, owner=person),
    ]
    parts, params = [], ()
    for queryset in counted:
        sql, part_params = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params = (*params, *part_params)
    return "SELECT " + ", ".join(parts), params


# --- Diary -----------------------------------------------------------------------------


# A film's large columns (its embedding, search vectors) stay in the database: no page
# or API answer of the social layer shows them.
_MOVIE_UNSHOWN = tuple(f"movie__{field}" for field in UNSHOWN_FIELDS)


def diary_visible(*, viewer, owner: User | None = None) -> QuerySet[DiaryEntry]:
    entries = (
        DiaryEntry.objects.visible_to(viewer)
        .select_related("movie", "user")
        .defer(*_MOVIE_UNSHOWN)
        .prefetch_related("movie__genres")
    )
    if owner is not None:
        entries = entries.filter(user=owner)
    return entries.order_by("-watched_on", "-pk").prefetch_related(_visible_review(viewer))


def _visible_review(viewer) -> Prefetch:
    """An entry's review as `shown_review`, None unless the viewer may see it (a moderator
    may have hidden it); never read `entry.review`, which would load it regardless."""
    return Prefetch("review", queryset=reviews_visible(viewer=viewer), to_attr="shown_review")


def diary_month(*, viewer, owner: User, month: date) -> list[DiaryEntry]:
    start = month.replace(day=1)
    end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return list(
        diary_visible(viewer=viewer, owner=owner).filter(watched_on__gte=start, watched_on__lt=end)
    )


def diary_months(*, owner: User) -> list[date]:
    """The months with entries, newest first, for the diary's month links."""
    return [
        month.date() if isinstance(month, datetime) else month
        for month in DiaryEntry.objects.filter(user=owner)
        .annotate(month=TruncMonth("watched_on"))
        .values_list("month", flat=True)
        .distinct()
        .order_by("-month")
    ]


def diary_entry_owned_get(*, user, entry_id: int) -> DiaryEntry:
    """The user's own entry; anyone else's is missing (nobody edits another's diary)."""
    return _or_404(DiaryEntry.objects.filter(user=user), "diary entry", pk=entry_id)


def diary_for_movie(*, user, movie_id: int) -> list[DiaryEntry]:
    """The user's own watches of a film, newest first (the film page's watch history)."""
    if not user.is_authenticated:
        return []
    return list(diary_visible(viewer=user, owner=user).filter(movie_id=movie_id))


# --- Reviews ---------------------------------------------------------------------------

REVIEW_SORTS = {
    "popular": ("-like_count", "-pk"),
    "recent": ("-created_at", "-pk"),
}


def reviews_visible(*, viewer) -> QuerySet[Review]:
    reviews = (
        Review.objects.visible_to(viewer).select_related("user", "movie").defer(*_MOVIE_UNSHOWN)
    )
    return _with_liked(reviews, viewer=viewer)


def _with_liked(reviews: QuerySet[Review], *, viewer) -> QuerySet[Review]:
    """Each review with `liked`: whether the viewer likes it."""
    if viewer.is_authenticated:
        liked = ReviewLike.objects.filter(review=OuterRef("pk"), user=viewer)
        return reviews.annotate(liked=Exists(liked))
    return reviews.annotate(liked=Value(False))


# What a review shows wherever it is listed (the API's ReviewSerializer, the site's
# _review.html): its author's name and its film's title, not their other columns.
_REVIEW_SHOWN = (
    "user_id", "movie_id", "text", "contains_spoilers", "like_count", "created_at",
    "updated_at", "user__username", "movie__title", "movie__year",
)  # fmt: skip


def _reviews_by_id(*, viewer, review_ids: Collection[int]) -> dict[int, Review]:
    """Reviews by id, as they are shown, with `liked`. For ids a visibility rule chose
    (the feed's keys, the reviews section's): it is not applied again."""
    reviews = Review.objects.select_related("user", "movie").only(*_REVIEW_SHOWN)
    return _with_liked(reviews, viewer=viewer).in_bulk(review_ids)


def movie_reviews(*, viewer, movie_id: int, sort: str = "popular") -> QuerySet[Review]:
    """A film's reviews, `popular` (most liked), `recent` or `following` (by people the
    viewer follows, newest first)."""
    reviews = reviews_visible(viewer=viewer).filter(movie_id=movie_id)
    if sort == "following":
        reviews = reviews.filter(user_id__in=following_ids(user=viewer))
    return reviews.order_by(*_review_order(sort))


# Reviews per sort in the film page's reviews section (the site's and the API's).
REVIEW_SECTION_SIZE = 5


def movie_review_sections(*, viewer, movie_id: int) -> dict[str, list[Review]]:
    """The film page's reviews section: up to REVIEW_SECTION_SIZE reviews of each sort of
    `movie_reviews` ("following" is empty for a visitor), in two queries: the ids of all
    three sorts in one, then their rows."""
    sql, template = _review_sections_sql(viewer.is_authenticated)
    values = {_VIEWER_STAND_IN: viewer.pk, _MOVIE_STAND_IN: movie_id}
    with connection.cursor() as cursor:
        cursor.execute(sql, _stand_ins_swapped(template, values))
        keys = sorted(cursor.fetchall(), key=lambda key: key[2])
    reviews = _reviews_by_id(viewer=viewer, review_ids={pk for _, pk, _ in keys})
    sections: dict[str, list[Review]] = {"following": [], **{sort: [] for sort in REVIEW_SORTS}}
    for sort, pk, _ in keys:
        sections[sort].append(reviews[pk])
    return sections


@functools.lru_cache(maxsize=2)
def _review_sections_sql(authenticated: bool) -> tuple[str, tuple]:
    """movie_review_sections' query, built once per process (see _VIEWER_STAND_IN)."""
    viewer = User(pk=_VIEWER_STAND_IN) if authenticated else AnonymousUser()
    sorts = ["following", *REVIEW_SORTS] if authenticated else [*REVIEW_SORTS]
    parts = [
        movie_reviews(viewer=viewer, movie_id=_MOVIE_STAND_IN, sort=sort).values_list(
            Value(sort),
            "pk",
            # The rank within its sort: a union's rows come in no promised order.
            Window(RowNumber(), order_by=_review_order(sort)),
        )[:REVIEW_SECTION_SIZE]
        for sort in sorts
    ]
    return parts[0].union(*parts[1:], all=True).query.sql_with_params()


def _review_order(sort: str) -> tuple[str, ...]:
    return REVIEW_SORTS["recent" if sort == "following" else sort]


def review_visible_get(*, viewer, review_id: int) -> Review:
    return _or_404(reviews_visible(viewer=viewer), "review", pk=review_id)


def review_owned_get(*, user, review_id: int) -> Review:
    return _or_404(Review.objects.filter(user=user), "review", pk=review_id)


# --- Lists -----------------------------------------------------------------------------


def movie_lists_of(*, viewer, owner: User) -> QuerySet[MovieList]:
    """`owner`'s lists as `viewer` may see them listed: all their own to the owner, only
    public ones to others (unlisted ones are reached by their link)."""
    lists = MovieList.objects.visible_to(viewer).filter(user=owner)
    if not (viewer.is_authenticated and viewer.pk == owner.pk):
        lists = lists.listed()
    return lists.annotate(entry_count=Count("entries")).order_by("-created_at", "-pk")


def movie_list_visible_get(*, viewer, list_id: int) -> MovieList:
    """A list by its link: the owner's own, or a public or unlisted one; else Http404."""
    return _or_404(MovieList.objects.visible_to(viewer).select_related("user"), "list", pk=list_id)


def movie_list_owned_get(*, user, list_id: int) -> MovieList:
    return _or_404(MovieList.objects.filter(user=user), "list", pk=list_id)


def movie_list_entries(*, movie_list: MovieList):
    return (
        movie_list.entries.select_related("movie")
        .defer(*_MOVIE_UNSHOWN)
        .prefetch_related("movie__genres")
        .order_by("position")
    )


def movie_lists_owned(*, user) -> QuerySet[MovieList]:
    """The user's own lists, for "add to list"."""
    return MovieList.objects.filter(user=user).order_by("name", "pk")


# --- Feed ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    kind: str  # "diary", "review" or "list"
    created_at: datetime
    diary_entry: DiaryEntry | None = None
    review: Review | None = None
    movie_list: MovieList | None = None


class FeedKey(NamedTuple):
    kind: str  # "diary", "review" or "list"
    id: int
    created_at: datetime
    # The review shown with it: a diary entry's, if the viewer may see it; a review's own.
    review_id: int | None


def feed_keys(*, viewer, offset: int, limit: int) -> list[FeedKey]:
    """One stretch of the feed, newest first: followed people's diary entries, their
    reviews written without one, and their public lists, as the models' `visible_to` lets
    the viewer see them.

    Fan-out on read (docs/scaling.md says where that stops working): for each followed
    person, at most offset + limit of their newest rows of each kind are read, by the
    (user, created_at) indexes, so a prolific person costs no more than a quiet one.
    """
    if not viewer.is_authenticated:
        return []
    sql, template = _feed_keys_sql(offset=offset, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, _stand_ins_swapped(template, {_VIEWER_STAND_IN: viewer.pk}))
        return [FeedKey(*row) for row in cursor.fetchall()]


@functools.lru_cache(maxsize=64)
def _feed_keys_sql(*, offset: int, limit: int) -> tuple[str, tuple]:
    """feed_keys' query for one stretch, built once per process for a stand-in viewer
    (see _VIEWER_STAND_IN): building it took more CPU than PostgreSQL running it."""
    viewer = User(pk=_VIEWER_STAND_IN)
    followee = RawSQL("followed.id", ())
    kinds = [
        DiaryEntry.objects.visible_to(viewer).values_list(Value("diary"), "pk", "created_at"),
        Review.objects.visible_to(viewer)
        .filter(diary_entry__isnull=True)
        .values_list(Value("review"), "pk", "created_at"),
        MovieList.objects.visible_to(viewer)
        .listed()
        .values_list(Value("list"), "pk", "created_at"),
    ]
    followed_sql, params = following_ids(user=viewer).query.sql_with_params()
    parts = []
    for rows in kinds:
        newest = rows.filter(user_id=followee).order_by("-created_at", "-pk")[: offset + limit]
        sql, part_params = newest.query.sql_with_params()
        parts.append(f"SELECT newest.* FROM followed CROSS JOIN LATERAL ({sql}) AS newest")
        params = (*params, *part_params)
    # A diary entry's review, looked up for the page's rows only (after the LIMIT).
    entry_review_sql, review_params = (
        Review.objects.visible_to(viewer)
        .filter(diary_entry_id=RawSQL("page.id", ()))
        .values("pk")
        .query.sql_with_params()
    )
    query = (
        f"WITH followed (id) AS ({followed_sql}), page AS ("
        "SELECT kind, id, created_at FROM ("
        + " UNION ALL ".join(parts)
        + ") AS items (kind, id, created_at) ORDER BY created_at DESC, id DESC "
        f"LIMIT {int(limit)} OFFSET {int(offset)}) "
        f"SELECT kind, id, created_at, "
        f"CASE kind WHEN 'diary' THEN ({entry_review_sql}) WHEN 'review' THEN id END "
        "FROM page ORDER BY created_at DESC, id DESC"
    )
    return query, (*params, *review_params)


def feed_items(*, viewer, keys: Collection[FeedKey]) -> list[FeedItem]:
    """The rows behind one page of `feed_keys`, in its order. `feed_keys` chose them by the
    visibility rule, so they are read by id, with the columns the feed shows: three queries
    at most (diary entries with their films' genres, reviews, lists)."""
    ids: dict[str, list[int]] = {"diary": [], "review": [], "list": []}
    for key in keys:
        ids[key.kind].append(key.id)
    genre_names = Genre.objects.filter(movies=OuterRef("movie_id")).order_by("name").values("name")
    diary = (
        DiaryEntry.objects.select_related("user", "movie")
        .only(*_DIARY_SHOWN)
        .annotate(genre_names=ArraySubquery(genre_names))
        .in_bulk(ids["diary"])
    )
    for entry in diary.values():
        entry.movie.genre_names = entry.genre_names  # what Movie.genre_names would read
    reviews = _reviews_by_id(
        viewer=viewer, review_ids=[key.review_id for key in keys if key.review_id is not None]
    )
    lists = (
        MovieList.objects.select_related("user")
        .only(*_LIST_SHOWN)
        .annotate(entry_count=Count("entries"))
        .in_bulk(ids["list"])
    )
    items = []
    for key in keys:
        if key.kind == "diary" and key.id in diary:
            entry = diary[key.id]
            entry.shown_review = reviews.get(key.review_id)
            items.append(FeedItem(kind="diary", created_at=key.created_at, diary_entry=entry))
        elif key.kind == "review" and key.review_id in reviews:
            review = reviews[key.review_id]
            items.append(FeedItem(kind="review", created_at=key.created_at, review=review))
        elif key.kind == "list" and key.id in lists:
            movie_list = lists[key.id]
            items.append(FeedItem(kind="list", created_at=key.created_at, movie_list=movie_list))
    return items


# A feed's diary entry shows its film as the API's movie summary does; a list, what
# MovieListSerializer does (not its entries).
_DIARY_SHOWN = (
    "user_id", "movie_id", "watched_on", "rewatch", "score", "created_at", "user__username",
    *(f"movie__{field}" for field in ("title", "year", "poster_path", "rating_count",
                                      "rating_mean")),
)  # fmt: skip
_LIST_SHOWN = (
    "user_id", "name", "description", "ranked", "visibility", "created_at", "updated_at",
    "user__username",
)  # fmt: skip


# --- Notifications ---------------------------------------------------------------------


def notifications_visible(*, user) -> QuerySet[Notification]:
    """The user's notifications, newest first, without those about hidden reviews or from
    people they cannot see (a block, a suspension)."""
    return (
        Notification.objects.filter(recipient=user)
        .filter(Q(review__isnull=True) | Q(review__hidden_at__isnull=True))
        .filter(actor__is_active=True)
        .exclude(actor__blocks_received__blocker=user)
        .exclude(actor__blocks_made__blocked=user)
        .select_related("actor", "review__movie")
        .order_by("-created_at", "-pk")
    )


def notifications_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return notifications_visible(user=user).filter(read_at__isnull=True).count()


# --- What people you follow think ------------------------------------------------------


@dataclass(frozen=True)
class FollowedRatings:
    mean: float | None
    count: int


def followed_ratings(*, viewer, movie_id: int) -> FollowedRatings:
    """The mean rating of a film among the people the viewer follows (and may see)."""
    if not viewer.is_authenticated:
        return FollowedRatings(None, 0)
    followed = following_ids(user=viewer)
    found = Rating.objects.filter(movie_id=movie_id, user_id__in=followed).aggregate(
        mean=Avg("score"), count=Count("pk")
    )
    mean = found["mean"]
    return FollowedRatings(float(mean) if mean is not None else None, found["count"])


def followed_lovers(*, viewer, movie_ids: Collection[int]) -> dict[int, int]:
    """How many followed people love each film (rated at least LOVED_SCORE); films none
    of them love are left out."""
    if not viewer.is_authenticated or not movie_ids:
        return {}
    movie_ids = list(dict.fromkeys(movie_ids))
    sql, template = _followed_lovers_sql(len(movie_ids))
    values = {_VIEWER_STAND_IN: viewer.pk} | {
        _MOVIE_STAND_IN - i: movie_id for i, movie_id in enumerate(movie_ids)
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, _stand_ins_swapped(template, values))
        return dict(cursor.fetchall())


def _followed_lovers_queryset(*, viewer, movie_ids: list[int]) -> QuerySet:
    return (
        Rating.objects.filter(
            movie_id__in=movie_ids,
            user_id__in=following_ids(user=viewer),
            score__gte=LOVED_SCORE,
        )
        .values("movie_id")
        .annotate(n=Count("pk"))
        .values_list("movie_id", "n")
    )


# Every recommendation list asks followed_lovers, and building its query (the visibility
# rule nests two Exists subqueries) took more CPU than PostgreSQL running it
# (docs/benchmarks.md "Where a request's time goes"); the feed's keys, the reviews
# section and a profile's counts likewise. So their SQL is built once per process (per
# number of films, or stretch of the feed), from the same querysets with stand-in ids
# swapped for the real ones at each call: the rule stays profile_visible_q's and
# visible_to's alone.
_VIEWER_STAND_IN = -7_000_001
_PERSON_STAND_IN = -7_500_001  # the person whose profile the viewer reads
_MOVIE_STAND_IN = -8_000_001  # the i-th film's is this minus i


def _stand_ins_swapped(template: tuple, values: dict[int, int]) -> list:
    """A query's parameters built with stand-in ids, with `values`' real ids in their place."""
    return [values.get(p, p) if type(p) is int else p for p in template]


@functools.lru_cache(maxsize=128)
def _followed_lovers_sql(count: int) -> tuple[str, tuple]:
    stand_ins = [_MOVIE_STAND_IN - i for i in range(count)]
    queryset = _followed_lovers_queryset(viewer=User(pk=_VIEWER_STAND_IN), movie_ids=stand_ins)
    return queryset.query.sql_with_params()
