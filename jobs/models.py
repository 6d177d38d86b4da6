from django.db import models


class Job(models.Model):
    """A long-running background job (import, embedding, training), shown in the admin."""

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EMBEDDING = "embedding", "Embedding"
        TRAINING = "training", "Training"
        MOVIE_MAP = "movie_map", "Movie map"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    description = models.CharField(max_length=300, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True, help_text="Summary or error text.")
    celery_task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The model moved here from catalog; its table (and data) kept the old name.
        db_table = "catalog_job"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="job_kind_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))
