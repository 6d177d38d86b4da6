from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from jobs.models import Job


def test_jobs_are_shown_read_only(admin_client):
    job = Job.objects.create(kind=Job.Kind.EMBEDDING, progress_done=5, progress_total=10)
    response = admin_client.get(reverse("admin:jobs_job_changelist"))
    assert "50% (5/10)" in response.text
    assert admin_client.get(reverse("admin:jobs_job_add")).status_code == 403
    change = admin_client.post(reverse("admin:jobs_job_change", args=[job.pk]), {})
    assert change.status_code == 403


def test_the_job_list_shows_progress_duration_and_why_a_job_failed(admin_client):
    started = timezone.now() - timedelta(seconds=75)
    Job.objects.create(
        kind=Job.Kind.IMPORT, state=Job.State.FAILED, started_at=started,
        finished_at=started + timedelta(seconds=75),
        message="SourceError: /data/ml.zip does not exist.",
    )  # fmt: skip
    Job.objects.create(kind=Job.Kind.EMBEDDING, state=Job.State.RUNNING, started_at=started,
                       progress_done=1, progress_total=4)  # fmt: skip
    html = admin_client.get(reverse("admin:jobs_job_changelist")).text
    assert "SourceError: /data/ml.zip does not exist." in html
    assert "1 min 15 s" in html
    assert '<progress max="100" value="25"></progress> 25% (1/4)' in html
    assert "window.location.reload()" in html  # a job runs: the page refreshes


def test_the_job_list_stops_refreshing_when_nothing_runs(admin_client):
    Job.objects.create(kind=Job.Kind.TRAINING, state=Job.State.SUCCEEDED)
    # A job left "running" by a killed worker long ago does not refresh the page for ever.
    stuck = Job.objects.create(kind=Job.Kind.IMPORT, state=Job.State.RUNNING)
    Job.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(days=1))
    html = admin_client.get(reverse("admin:jobs_job_changelist")).text
    assert "window.location.reload()" not in html
