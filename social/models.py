"""The social layer's tables, and the one owner of who may see what (`visible_to`).

Every read of others' diary entries, reviews, lists and profiles goes through
`SocialQuerySet.visible_to` (or `profile_visible_q` for people), so a private list, a
block, a suspended account or hidden content is decided in one place.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q

from ratings.models import MAX_SCORE, MIN_SCORE, validate_half_star

REVIEW_MAX_LENGTH = 20_000
LIST_NAME_MAX_LENGTH = 120
NOTE_MAX_LENGTH = 1_000
REPORT_REASON_MAX_LENGTH = 1_000


def profile_visible_q(viewer, owner: str = "") -> Q:
    """Whether `viewer` may see the person at `owner` (a path to a User; "" for User rows).

    Yourself always; anyone else only when the account is active (suspension deactivates
    it), its profile is public (privacy is opt-in, accounts.User.profile_is_public) and
    neither has blocked the other.
    """
    path = f"{owner}__" if owner else ""
    owner_id = owner or "pk"
    shown = Q(**{f"{path}is_active": True, f"{path}profile_is_public": True})
    if viewer is None or not viewer.is_authenticated:
        return shown
    # Two lookups, not one with OR: each is then a probe of one of the pair's indexes.
    blocked_by_owner = Block.objects.filter(blocker_id=OuterRef(owner_id), blocked_id=viewer.pk)
    blocked_by_viewer = Block.objects.filter(blocker_id=viewer.pk, blocked_id=OuterRef(owner_id))
    return Q(**{owner_id: viewer.pk}) | (
        shown & ~Exists(blocked_by_owner) & ~Exists(blocked_by_viewer)
    )


class SocialQuerySet(models.QuerySet):
    """Rows owned by a person (`owner_field`), some of which moderators can hide."""

    owner_field = "user"
    hideable = True

    def visible_to(self, viewer) -> SocialQuerySet:
        """What `viewer` may see: their own rows (even hidden, so they can delete them),
        and others' rows that are not hidden, of people they may see."""
        shared = profile_visible_q(viewer, self.owner_field) & self._shared_q()
        if self.hideable:
            shared &= Q(hidden_at__isnull=True)
        if viewer is None or not viewer.is_authenticated:
            return self.filter(shared)
        return self.filter(Q(**{self.owner_field: viewer.pk}) | shared)

    def _shared_q(self) -> Q:
        """What the owner chose to share with others; everything but private lists."""
        return Q()


class DiaryEntryQuerySet(SocialQuerySet):
    hideable = False  # nothing to moderate but its review, hidden on its own


class ReviewQuerySet(SocialQuerySet):
    pass


class MovieListQuerySet(SocialQuerySet):
    def _shared_q(self) -> Q:
        return ~Q(visibility=MovieList.Visibility.PRIVATE)

    def listed(self) -> MovieListQuerySet:
        """Lists shown on profiles, feeds and list indexes: unlisted ones only by link."""
        return self.filter(visibility=MovieList.Visibility.PUBLIC)


class DiaryEntry(models.Model):
    """One watch of one film on one day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diary_entries"
    )
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    watched_on = models.DateField()
    rewatch = models.BooleanField(default=False)
    # The score given that day; the current one is the user's rating, which it also sets.
    score = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_SCORE), MaxValueValidator(MAX_SCORE), validate_half_star],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DiaryEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "diary entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=MIN_SCORE, score__lte=MAX_SCORE),
                name="diary_score_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-watched_on", "-id"], name="diary_user_date_idx"),
            models.Index(fields=["user", "movie"], name="diary_user_movie_idx"),
            # The feed: followed people's entries, newest first, read in its order (with
            # the id breaking ties) so that each person's newest rows are a short scan.
            models.Index(fields=["user", "-created_at", "-id"], name="diary_user_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} watched {self.movie} on {self.watched_on}"


class Review(models.Model):
    """What someone wrote about a film: plain text, stored as written, shown escaped."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    # The watch it was written with; a Letterboxd review may have none.
    diary_entry = models.OneToOneField(
        DiaryEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="review"
    )
    text = models.TextField(max_length=REVIEW_MAX_LENGTH)
    contains_spoilers = models.BooleanField(default=False)
    # Derived from ReviewLike; only social.services writes it.
    like_count = models.PositiveIntegerField(default=0)
    hidden_at = models.DateTimeField(null=True, blank=True, help_text="Hidden by a moderator.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(text__regex=r"\S"), name="review_has_text"),
            models.CheckConstraint(
                condition=Q(like_count__gte=0), name="review_like_count_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["movie", "-like_count", "-id"], name="review_movie_popular_idx"),
            models.Index(fields=["movie", "-created_at"], name="review_movie_recent_idx"),
            models.Index(fields=["user", "-created_at", "-id"], name="review_user_recent_idx"),
            # The feed: followed people's reviews written without a diary entry.
            models.Index(
                fields=["user", "-created_at", "-id"],
                condition=Q(diary_entry__isnull=True),
                name="review_alone_user_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.movie}"


class ReviewLike(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_likes"
    )
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "review"], name="one_like_per_user_review"),
        ]

    def __str__(self) -> str:
        return f"{self.user} likes {self.review}"


class MovieList(models.Model):
    """A themed list of films, ranked or not."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        UNLISTED = "unlisted", "Unlisted (anyone with the link)"
        PRIVATE = "private", "Private (only you)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="movie_lists"
    )
    name = models.CharField(max_length=LIST_NAME_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=REVIEW_MAX_LENGTH)
    ranked = models.BooleanField(default=False)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    hidden_at = models.DateTimeField(null=True, blank=True, help_text="Hidden by a moderator.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MovieListQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="list_has_name"),
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "unlisted", "private"]),
                name="list_visibility_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="list_user_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ListEntry(models.Model):
    movie_list = models.ForeignKey(MovieList, on_delete=models.CASCADE, related_name="entries")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "list entries"
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["movie_list", "movie"], name="one_entry_per_list_movie"
            ),
            # Deferred: a reorder moves positions through each other within a transaction.
            models.UniqueConstraint(
                fields=["movie_list", "position"],
                name="one_entry_per_list_position",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.movie}"


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_set"
    )
    followee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_set"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="one_follow_per_pair"),
            models.CheckConstraint(
                condition=~Q(follower=F("followee")), name="no_following_yourself"
            ),
        ]
        indexes = [models.Index(fields=["followee", "-created_at"], name="follow_followee_idx")]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.followee}"


class Block(models.Model):
    """The blocked person cannot follow the blocker or see their activity, nor they theirs."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="one_block_per_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="no_blocking_yourself"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_blocked_idx")]

    def __str__(self) -> str:
        return f"{self.blocker} blocks {self.blocked}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        FOLLOW = "follow", "New follower"
        LIKE = "like", "Like on your review"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="like") & Q(review__isnull=False))
                | (Q(kind="follow") & Q(review__isnull=True)),
                name="notification_review_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}"


class Report(models.Model):
    """Someone's report of a review or a list, waiting in the moderators' queue."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    movie_list = models.ForeignKey(
        MovieList, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reason = models.TextField(max_length=REPORT_REASON_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review__isnull=True) ^ Q(movie_list__isnull=True),
                name="report_has_one_target",
            ),
            models.CheckConstraint(condition=Q(reason__regex=r"\S"), name="report_has_reason"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(resolved_at__isnull=True),
                name="report_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Report by {self.reporter}: {self.reason[:40]}"

    @property
    def target(self) -> Review | MovieList:
        return self.review if self.review_id else self.movie_list
