from django.conf import settings
from django.db import models
from django.db.models import Q

from recommendations.config import ALGORITHM_CHOICES, Algorithm


class TrainingRun(models.Model):
    """One versioned model of taste. The id is the version; exactly one succeeded run serves.

    The ALS model (its item factors) lives in `als_model` (an .npz in bytea) rather than on
    local disk so that every web and worker machine sharing the database serves the same version;
    the serving side loads it once per process per version. `rating_model` is the
    rating model fitted on the same ratings (predicted ratings), and `ease_model`
    the pruned EASE item-item weights; runs trained before either existed have none, and
    serve without it.
    """

    # Megabytes per row: left out wherever runs are listed rather than served.
    LARGE_FIELDS = ("als_model", "rating_model", "ease_model")

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    params = models.JSONField(
        default=dict,
        help_text="The parameters the run chose (`choice.Choice`): ALS's at the top level, "
        "EASE's, the blend's, \"more like this\"'s and the rating model's under their keys.",
    )
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
    als_model = models.BinaryField(
        null=True, editable=False, help_text="npz of algorithms.als: movie_ids, item_factors."
    )
    rating_model = models.BinaryField(
        null=True,
        editable=False,
        help_text="npz of algorithms.rating: mean, movie_ids, item biases and factors.",
    )
    ease_model = models.BinaryField(
        null=True,
        editable=False,
        help_text="npz of algorithms.ease: movie_ids and the pruned item-item weights.",
    )
    is_serving = models.BooleanField(default=False)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
                condition=Q(is_serving=False) | Q(status="succeeded", als_model__isnull=False),
                name="serving_run_succeeded_with_als_model",
            ),
            models.CheckConstraint(
                condition=Q(status="running") | Q(finished_at__isnull=False),
                name="finished_run_has_finished_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Model v{self.pk} ({self.status}{', serving' if self.is_serving else ''})"


class RecommenderChoice(models.Model):
    """The recommender a user picked; users without a row get the hybrid."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="recommender_choice",
    )
    algorithm = models.CharField(max_length=16, choices=ALGORITHM_CHOICES)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(algorithm__in=[value for value, _ in ALGORITHM_CHOICES]),
                name="recommender_choice_known_algorithm",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} uses {Algorithm(self.algorithm).label}"
