"""Reads for the admin: the dashboard on the admin index and the jobs page.

Every number is aggregated in SQL; the dashboard costs five queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from catalog.models import Movie
from jobs.models import Job
from ratings.models import Rating
from recommendations.models import TrainingRun
from recommendations.selectors import training_run_list

CHART_DAYS = 30
RECENT_JOBS = 5


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int
    percent: int  # of the busiest day, for the bar height


@dataclass(frozen=True)
class Dashboard:
    movies: int
    ratings: int
    pending_embeddings: int
    real_users: int
    imported_users: int
    ratings_per_day: list[DayCount]
    serving: TrainingRun | None
    recent_jobs: list[Job]

    @property
    def ratings_last_days(self) -> int:
        return sum(day.count for day in self.ratings_per_day)


def dashboard_get() -> Dashboard:
    # Movie.rating_count is kept exact, so summing it avoids counting every rating row.
    movies = Movie.objects.aggregate(
        movies=Count("pk"),
        ratings=Sum("rating_count", default=0),
        pending=Count("pk", filter=Q(needs_embedding=True)),
    )
    users = User.objects.aggregate(
        real=Count("pk", filter=Q(is_imported=False)),
        imported=Count("pk", filter=Q(is_imported=True)),
    )
    return Dashboard(
        movies=movies["movies"],
        ratings=movies["ratings"],
        pending_embeddings=movies["pending"],
        real_users=users["real"],
        imported_users=users["imported"],
        ratings_per_day=ratings_per_day(days=CHART_DAYS),
        serving=training_run_list().filter(is_serving=True).first(),
        recent_jobs=list(Job.objects.all()[:RECENT_JOBS]),
    )


def ratings_per_day(*, days: int) -> list[DayCount]:
    """New ratings on each of the last `days` days (local dates), today last, gaps as 0."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first, time.min))
    counts = dict(
        Rating.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(count=Count("pk"))
        .values_list("day", "count")
    )
    busiest = max(counts.values(), default=0)
    series = [first + timedelta(days=offset) for offset in range(days)]
    return [
        DayCount(
            day=day,
            count=counts.get(day, 0),
            percent=round(100 * counts.get(day, 0) / busiest) if busiest else 0,
        )
        for day in series
    ]
