from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.db.models.lookups import Exact

from ratings.stars import MAX_SCORE, MIN_SCORE


def validate_half_star(value: Decimal) -> None:
    if (Decimal(value) * 2) % 1 != 0:
        raise ValidationError(f"{value} is not a half-star score (0.5, 1.0, ..., 5.0).")


class Rating(models.Model):
    """One user's score for one movie."""

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
        db_table = "recommendations_rating"  # moved from recommendations with its data
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
        db_table = "recommendations_watchlistitem"  # moved from recommendations with its data
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
        db_table = "recommendations_notinterested"  # moved from recommendations with its data
        verbose_name_plural = "not interested"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "movie"], name="one_not_interested_per_user_movie"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is not interested in {self.movie}"
