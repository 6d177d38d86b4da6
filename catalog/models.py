from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast, NullIf
from pgvector.django import HnswIndex, VectorField

EMBEDDING_DIMENSIONS = 384


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Movie(models.Model):
    movielens_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    title = models.CharField(max_length=500, help_text="Title without the year.")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    genres = models.ManyToManyField(Genre, related_name="movies", blank=True)
    imdb_id = models.CharField(max_length=16, blank=True, db_index=True, help_text="e.g. tt0114709")
    tmdb_id = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    overview = models.TextField(blank=True)
    tagline = models.CharField(max_length=500, blank=True)
    keywords = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    runtime = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Minutes.")
    poster_path = models.CharField(max_length=200, blank=True, help_text="TMDB poster path.")
    language = models.CharField(max_length=16, blank=True, help_text="Original language (ISO 639-1).")
    movielens_tags = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="MovieLens user tags, most used first.",
    )
    # Kept exact by the rating services and the importer (count and sum, never a loop).
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.DecimalField(max_digits=12, decimal_places=1, default=0)
    rating_mean = models.GeneratedField(
        expression=Cast(F("rating_sum"), models.FloatField())
        / Cast(NullIf(F("rating_count"), 0), models.FloatField()),
        output_field=models.FloatField(null=True),
        db_persist=True,
    )
    is_hidden = models.BooleanField(default=False, help_text="Hidden from lists and recommendations.")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True, editable=False)
    embedding_model = models.CharField(max_length=200, blank=True, editable=False)
    embedding_text_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the text that was embedded."
    )
    # Dirty flag: set by imports and edits, cleared by the embedding service.
    needs_embedding = models.BooleanField(default=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "year"]
        indexes = [
            HnswIndex(
                name="movie_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            models.Index(F("rating_count").desc(), name="movie_popularity_idx"),
            models.Index(fields=["year"], name="movie_year_idx"),
            models.Index(
                fields=["id"], condition=Q(needs_embedding=True), name="movie_needs_embedding_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating_sum__gte=0), name="movie_rating_sum_nonnegative"),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1870, year__lte=2100),
                name="movie_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


class Job(models.Model):
    """A long-running background job (import, embedding, training), shown in the admin."""

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        EMBEDDING = "embedding", "Embedding"
        TRAINING = "training", "Training"

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
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="job_kind_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))
