from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact

MIN_SCORE = Decimal("0.5")
MAX_SCORE = Decimal("5.0")


def validate_half_star(value: Decimal) -> None:
    if (Decimal(value) * 2) % 1 != 0:
        raise ValidationError(f"{value} is not a half-star score (0.5, 1.0, ..., 5.0).")


class Rating(models.Model):
    """One user's score for one movie. Lives here because recommendations are built from it."""

    # No separate FK indexes: the unique (user, movie) constraint and rating_movie_idx cover
    # both lookups, and every extra index slows each rating write and import.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    movie = models.ForeignKey(
        "catalog.Movie", on_delete=models.CASCADE, related_name="ratings", db_index=False
    )
    score = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        validators=[MinValueValidator(MIN_SCORE), MaxValueValidator(MAX_SCORE), validate_half_star],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "movie"], name="one_rating_per_user_movie"),
            models.CheckConstraint(
                condition=Q(score__gte=MIN_SCORE, score__lte=MAX_SCORE),
                name="rating_score_in_range",
            ),
            models.CheckConstraint(
                condition=Exact(Mod(F("score") * 2, 1), 0), name="rating_score_half_stars"
            ),
        ]
        indexes = [
            models.Index(fields=["movie"], name="rating_movie_idx"),
            models.Index(fields=["user", "-updated_at"], name="rating_user_recent_idx"),
            # Ratings per day on the admin dashboard.
            models.Index(fields=["created_at"], name="rating_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.movie}: {self.score}"


class WatchlistItem(models.Model):
    """A movie the user wants to see; optionally kept out of their recommendations."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist_items"
    )
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "movie"], name="one_watchlist_item_per_user_movie"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} wants to watch {self.movie}"


class NotInterested(models.Model):
    """A movie the user never wants recommended."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="not_interested"
    )
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "not interested"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "movie"], name="one_not_interested_per_user_movie"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is not interested in {self.movie}"


class TrainingRun(models.Model):
    """One versioned ALS model. The id is the version; exactly one succeeded run serves.

    The item factors live in `artifact` (an .npz in bytea) rather than on local disk so
    that every web and worker machine sharing the database serves the same version;
    the serving side loads it once per process per version.
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    params = models.JSONField(default=dict, help_text="ALS and confidence hyper-parameters.")
    user_count = models.PositiveIntegerField(default=0)
    item_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(
        default=0, help_text="Ratings read, likes and dislikes."
    )
    # Watermark of the ratings table when the run read it; the beat task retrains when it moves.
    ratings_seen = models.PositiveIntegerField(default=0)
    ratings_updated_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    metrics = models.JSONField(default=dict, blank=True, help_text="Offline evaluation results.")
    error = models.TextField(blank=True)
    artifact = models.BinaryField(
        null=True, editable=False, help_text="npz: movie_ids, item_factors."
    )
    is_serving = models.BooleanField(default=False)
    job = models.ForeignKey(
        "catalog.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_serving"], condition=Q(is_serving=True), name="one_serving_training_run"
            ),
            models.CheckConstraint(
                condition=Q(is_serving=False) | Q(status="succeeded", artifact__isnull=False),
                name="serving_run_succeeded_with_artifact",
            ),
            models.CheckConstraint(
                condition=Q(status="running") | Q(finished_at__isnull=False),
                name="finished_run_has_finished_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Model v{self.pk} ({self.status}{', serving' if self.is_serving else ''})"
