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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    movie = models.ForeignKey("catalog.Movie", on_delete=models.CASCADE, related_name="ratings")
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
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.movie}: {self.score}"
