import time

import pytest

from jobs.models import Job
from jobs.services import job_create
from ratings.services import rating_upsert
from recommendations.models import TrainingRun
from recommendations.tasks import retrain_if_ratings_changed, train_recommender


def wait_for(job_id: int, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.state in {Job.State.SUCCEEDED, Job.State.FAILED}:
            return job
        time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish")


@pytest.mark.django_db(transaction=True)
def test_training_round_trip_through_a_real_worker(world, celery_worker_process):
    job = job_create(kind=Job.Kind.TRAINING, description="Train recommender")

    run_id = train_recommender.delay(job.pk).get(timeout=120)

    job.refresh_from_db()
    run = TrainingRun.objects.get(pk=run_id)
    assert job.state == Job.State.SUCCEEDED and job.celery_task_id
    assert job.message.startswith(f"Model v{run.pk} serving: 30 users, 40 movies, 450 ratings")
    assert run.is_serving and run.job_id == job.pk
    # The last stage fits the rating model, one step per iteration.
    assert job.progress_total == run.params["explicit"]["iterations"] == job.progress_done

    # A redelivered (already finished) job is not trained again.
    assert train_recommender.delay(job.pk).get(timeout=60) is None
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_beat_retrains_only_when_ratings_changed(world, celery_worker_process):
    first_job = retrain_if_ratings_changed.delay().get(timeout=60)
    assert wait_for(first_job).state == Job.State.SUCCEEDED

    assert retrain_if_ratings_changed.delay().get(timeout=60) is None

    rating_upsert(user=world.space_fans[0], movie=world.romance[5], score="4.0")
    second_job = retrain_if_ratings_changed.delay().get(timeout=60)
    assert second_job is not None and wait_for(second_job).state == Job.State.SUCCEEDED
    assert TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED).count() == 2
    assert TrainingRun.objects.get(is_serving=True).job_id == second_job
