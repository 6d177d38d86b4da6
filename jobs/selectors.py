"""Reads for background jobs."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from jobs.models import Job

# A job whose worker was killed stays "running" for ever; past this age it no longer
# keeps the jobs page refreshing. Longer than any task's time limit.
ACTIVE_JOB_WINDOW = timedelta(hours=3)


def job_list() -> QuerySet[Job]:
    return Job.objects.order_by("-created_at", "-pk")


def jobs_active() -> bool:
    """Whether a recent job is queued or running, so the jobs page keeps refreshing."""
    return Job.objects.filter(
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
        created_at__gte=timezone.now() - ACTIVE_JOB_WINDOW,
    ).exists()
