"""Writes of the social layer. Each takes rows its caller already found through
social.selectors (which decide who may see and who owns what), keyword-only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from accounts.models import User
from accounts.token_cache import user_tokens_uncache
from catalog.models import Movie
from ratings.services import rating_upsert
from social.models import (
    Block,
    DiaryEntry,
    Follow,
    ListEntry,
    MovieList,
    Notification,
    Report,
    Review,
    ReviewLike,
)

# --- Diary and reviews -----------------------------------------------------------------


def _movie_check(movie_id: int) -> None:
    if not Movie.objects.filter(pk=movie_id).exists():
        raise ValidationError({"movie": [f"Movie {movie_id} does not exist."]})


def _text_clean(field: str, text: str) -> str:
    """Stored as written (escaped when shown); only a text of nothing but blanks is refused."""
    if not text.strip():
        raise ValidationError({field: ["Write something, or leave it out."]})
    return text


def _full_clean(obj, exclude: Sequence[str] = ()) -> None:
    try:
        obj.full_clean(exclude=["user", "movie", "movie_list", *exclude], validate_unique=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


def diary_entry_create(
    *,
    user: User,
    movie_id: int,
    watched_on: date,
    rewatch: bool = False,
    score: Decimal | None = None,
    review: str | None = None,
    contains_spoilers: bool = False,
) -> DiaryEntry:
    """Log a watch; a score also becomes the user's rating, a review is written with it."""
    with transaction.atomic():
        _movie_check(movie_id)
        entry = DiaryEntry(
            user=user, movie_id=movie_id, watched_on=watched_on, rewatch=rewatch, score=score
        )
        _full_clean(entry)
        if score is not None:
            rating_upsert(user=user, movie=movie_id, score=score)
        entry.save()
        if review is not None:
            _review_save(entry, text=review, contains_spoilers=contains_spoilers)
    return entry


def _review_save(entry: DiaryEntry, *, text: str, contains_spoilers: bool) -> Review:
    review = Review.objects.filter(diary_entry=entry).first() or Review(
        user_id=entry.user_id, movie_id=entry.movie_id, diary_entry=entry
    )
    review.text = _text_clean("review", text)
    review.contains_spoilers = contains_spoilers
    _full_clean(review, exclude=["diary_entry"])
    review.save()
    return review


_UNCHANGED = object()


def diary_entry_update(
    *,
    entry: DiaryEntry,
    watched_on: date | None = None,
    rewatch: bool | None = None,
    score: Decimal | None | object = _UNCHANGED,
    review: str | None | object = _UNCHANGED,
    contains_spoilers: bool | None = None,
) -> DiaryEntry:
    """Change what is given. `score=None` clears the entry's score (the rating stays);
    `review=None` or "" deletes its review."""
    with transaction.atomic():
        if watched_on is not None:
            entry.watched_on = watched_on
        if rewatch is not None:
            entry.rewatch = rewatch
        if score is not _UNCHANGED:
            entry.score = score
        _full_clean(entry)
        if score is not _UNCHANGED and score is not None:
            rating_upsert(user=entry.user, movie=entry.movie_id, score=score)
        entry.save()
        existing = Review.objects.filter(diary_entry=entry).first()
        if review is not _UNCHANGED and not review:
            if existing is not None:
                existing.delete()
        elif review is not _UNCHANGED or (contains_spoilers is not None and existing):
            spoilers = (
                contains_spoilers
                if contains_spoilers is not None
                else bool(existing and existing.contains_spoilers)
            )
            text = review if review is not _UNCHANGED else existing.text
            _review_save(entry, text=text, contains_spoilers=spoilers)
    return entry


def diary_entry_delete(*, entry: DiaryEntry) -> None:
    """The entry and its review; the rating stays (it is the current opinion)."""
    with transaction.atomic():
        Review.objects.filter(diary_entry=entry).delete()
        entry.delete()


def review_create(
    *, user: User, movie_id: int, text: str, contains_spoilers: bool = False
) -> Review:
    """A review without a diary entry (Letterboxd exports have them)."""
    _movie_check(movie_id)
    review = Review(
        user=user,
        movie_id=movie_id,
        text=_text_clean("text", text),
        contains_spoilers=contains_spoilers,
    )
    _full_clean(review, exclude=["diary_entry"])
    review.save()
    return review


def review_update(*, review: Review, text: str, contains_spoilers: bool) -> Review:
    review.text = _text_clean("text", text)
    review.contains_spoilers = contains_spoilers
    _full_clean(review, exclude=["diary_entry"])
    review.save(update_fields=["text", "contains_spoilers", "updated_at"])
    return review


def review_delete(*, review: Review) -> None:
    review.delete()


# --- Likes (the one writer of Review.like_count) and notifications ---------------------


def review_like(*, user: User, review: Review) -> bool:
    """Like a review the user can see; True when it was not liked before."""
    with transaction.atomic():
        _, created = ReviewLike.objects.get_or_create(user=user, review=review)
        if created:
            Review.objects.filter(pk=review.pk).update(like_count=F("like_count") + 1)
            if review.user_id != user.pk:
                Notification.objects.create(
                    recipient_id=review.user_id,
                    actor=user,
                    kind=Notification.Kind.LIKE,
                    review=review,
                )
    return created


def review_unlike(*, user: User, review: Review) -> bool:
    with transaction.atomic():
        deleted, _ = ReviewLike.objects.filter(user=user, review=review).delete()
        if deleted:
            Review.objects.filter(pk=review.pk).update(like_count=F("like_count") - 1)
            Notification.objects.filter(
                recipient_id=review.user_id, actor=user, kind=Notification.Kind.LIKE, review=review
            ).delete()
    return bool(deleted)


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Lists -----------------------------------------------------------------------------


def movie_list_create(
    *,
    user: User,
    name: str,
    description: str = "",
    ranked: bool = False,
    visibility: str = MovieList.Visibility.PUBLIC,
) -> MovieList:
    movie_list = MovieList(
        user=user,
        name=_text_clean("name", name).strip(),
        description=description,
        ranked=ranked,
        visibility=visibility,
    )
    _full_clean(movie_list)
    movie_list.save()
    return movie_list


def movie_list_update(*, movie_list: MovieList, **fields) -> MovieList:
    allowed = {"name", "description", "ranked", "visibility"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: ["Not a list field."] for name in sorted(unknown)})
    if "name" in fields:
        fields["name"] = _text_clean("name", fields["name"]).strip()
    for name, value in fields.items():
        setattr(movie_list, name, value)
    _full_clean(movie_list)
    movie_list.save()
    return movie_list


def movie_list_delete(*, movie_list: MovieList) -> None:
    movie_list.delete()


def list_entry_add(*, movie_list: MovieList, movie_id: int, note: str = "") -> ListEntry:
    """At the end of the list; a film already on it is refused."""
    with transaction.atomic():
        _movie_check(movie_id)
        MovieList.objects.select_for_update().filter(pk=movie_list.pk).first()
        last = movie_list.entries.aggregate(last=Max("position"))["last"]
        entry = ListEntry(
            movie_list=movie_list, movie_id=movie_id, note=note, position=(last or 0) + 1
        )
        _full_clean(entry)
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            raise ValidationError({"movie": ["This film is already on the list."]}) from None
        MovieList.objects.filter(pk=movie_list.pk).update(updated_at=timezone.now())
    return entry


def list_entry_remove(*, movie_list: MovieList, movie_id: int) -> bool:
    deleted, _ = movie_list.entries.filter(movie_id=movie_id).delete()
    return bool(deleted)


def list_entries_reorder(*, movie_list: MovieList, movie_ids: Sequence[int]) -> None:
    """Positions 1..n in the order given, which must name every film on the list once."""
    with transaction.atomic():
        entries = {
            entry.movie_id: entry
            for entry in movie_list.entries.select_for_update().order_by("position")
        }
        if sorted(movie_ids) != sorted(entries):
            raise ValidationError(
                {"movies": ["Give every film on the list exactly once, in the new order."]}
            )
        for position, movie_id in enumerate(movie_ids, start=1):
            entries[movie_id].position = position
        # The unique position constraint is deferred to the commit, so swaps pass.
        ListEntry.objects.bulk_update(entries.values(), ["position"])


def list_entry_move(*, movie_list: MovieList, movie_id: int, offset: int) -> None:
    """Move one film `offset` places (negative: up), within the list's ends."""
    order = list(movie_list.entries.order_by("position").values_list("movie_id", flat=True))
    if movie_id not in order:
        raise ValidationError({"movie": ["This film is not on the list."]})
    start = order.index(movie_id)
    order.insert(max(0, min(len(order) - 1, start + offset)), order.pop(start))
    list_entries_reorder(movie_list=movie_list, movie_ids=order)


def movie_list_clone(*, user: User, source: MovieList) -> MovieList:
    """A private copy for `user` of a list they can see, with its entries and notes."""
    with transaction.atomic():
        copy = movie_list_create(
            user=user,
            name=f"{source.name} (copy)"[: MovieList._meta.get_field("name").max_length],
            description=source.description,
            ranked=source.ranked,
            visibility=MovieList.Visibility.PRIVATE,
        )
        ListEntry.objects.bulk_create(
            ListEntry(movie_list=copy, movie_id=e.movie_id, position=e.position, note=e.note)
            for e in source.entries.all()
        )
    return copy


# --- Follows and blocks ----------------------------------------------------------------


def follow(*, follower: User, followee: User) -> bool:
    """`followee` was found through the profile visibility rule, so a blocked or hidden
    person never gets here; True when this is a new follow (which notifies them)."""
    if follower.pk == followee.pk:
        raise ValidationError({"username": ["You cannot follow yourself."]})
    with transaction.atomic():
        _, created = Follow.objects.get_or_create(follower=follower, followee=followee)
        if created:
            Notification.objects.create(
                recipient=followee, actor=follower, kind=Notification.Kind.FOLLOW
            )
    return created


def unfollow(*, follower: User, followee: User) -> bool:
    deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
    return bool(deleted)


def block(*, blocker: User, blocked: User) -> bool:
    """Ends follows both ways and the notifications between them."""
    if blocker.pk == blocked.pk:
        raise ValidationError({"username": ["You cannot block yourself."]})
    with transaction.atomic():
        _, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
        for one, other in ((blocker, blocked), (blocked, blocker)):
            Follow.objects.filter(follower=one, followee=other).delete()
            Notification.objects.filter(recipient=one, actor=other).delete()
    return created


def unblock(*, blocker: User, blocked: User) -> bool:
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return bool(deleted)


# --- Moderation ------------------------------------------------------------------------


def report_create(
    *,
    reporter: User,
    reason: str,
    review: Review | None = None,
    movie_list: MovieList | None = None,
) -> Report:
    report = Report(
        reporter=reporter,
        review=review,
        movie_list=movie_list,
        reason=_text_clean("reason", reason),
    )
    _full_clean(report, exclude=["reporter", "review"])
    report.save()
    return report


def report_resolve(*, report: Report, hide: bool) -> None:
    """Close a report, hiding its review or list when `hide` (and every open report of it)."""
    now = timezone.now()
    with transaction.atomic():
        reports = Report.objects.filter(resolved_at__isnull=True)
        if report.review_id:
            reports = reports.filter(review_id=report.review_id)
            if hide:
                Review.objects.filter(pk=report.review_id).update(hidden_at=now)
        else:
            reports = reports.filter(movie_list_id=report.movie_list_id)
            if hide:
                MovieList.objects.filter(pk=report.movie_list_id).update(hidden_at=now)
        reports.update(resolved_at=now)
        Report.objects.filter(pk=report.pk).update(resolved_at=now)


def user_suspend(*, user: User) -> None:
    """A suspended account cannot sign in, and all it made disappears (social.models
    `profile_visible_q` requires an active owner) until it is reactivated. Its API tokens
    stop working at once: an update sends no signal, so the cached lookups are ended here
    (accounts.token_cache), or the suspension is rolled back when they cannot be."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user_tokens_uncache(user_id=user.pk)
