import pytest

from catalog.tasks import embed_dirty_movies_task
from core import queueing
from jobs.models import Job
from jobs.services import job_running, job_set_message, job_start


@pytest.fixture
def published(monkeypatch) -> list[dict]:
    """Tasks handed to the broker (their kwargs), instead of a real publish."""
    sent: list[dict] = []
    monkeypatch.setattr(
        embed_dirty_movies_task, "apply_async", lambda kwargs=None, **options: sent.append(kwargs)
    )
    return sent


@pytest.mark.django_db
def test_a_started_job_is_queued_with_its_id_once_the_row_is_committed(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            kind=Job.Kind.EMBEDDING, description="x" * 400, task=embed_dirty_movies_task
        )
        assert published == []  # not before the commit: the worker must find the row
    assert published == [{"job_id": job.pk}]
    job.refresh_from_db()
    assert (job.kind, job.state, len(job.description)) == (Job.Kind.EMBEDDING, "queued", 300)


@pytest.mark.django_db
def test_a_job_whose_task_cannot_be_queued_is_marked_failed(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(queueing, "enqueue", lambda task, **kwargs: False)  # broker down
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind=Job.Kind.IMPORT, description="Import", task=embed_dirty_movies_task)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message.startswith("Not started: the task queue (Redis) was unavailable.")


@pytest.mark.django_db
def test_a_running_job_records_its_progress_and_summary():
    job = Job.objects.create(kind=Job.Kind.TRAINING)
    with job_running(job_id=job.pk, task_id="task-1") as progress:
        assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING
        progress.stage("Fitting", total=4)
        progress.advance(4)
        job_set_message(progress=progress, message="Model v1 serving.")
    job.refresh_from_db()
    assert (job.state, job.celery_task_id, job.message) == (
        "succeeded",
        "task-1",
        "Model v1 serving.",
    )
    assert (job.progress_done, job.progress_total, job.percent) == (4, 4, 100)
    assert job.started_at <= job.finished_at


@pytest.mark.django_db
def test_a_failing_job_keeps_the_error_and_reraises_it():
    job = Job.objects.create(kind=Job.Kind.TRAINING)
    with pytest.raises(ValueError), job_running(job_id=job.pk):
        raise ValueError("No ratings above the neutral score")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.message == "ValueError: No ratings above the neutral score"
    assert job.finished_at is not None
