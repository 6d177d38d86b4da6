import pytest

from catalog import tasks as catalog_tasks
from catalog.services import EmbeddingReport
from jobs.models import Job
from jobs.services import job_create
from ratings.services import rating_upsert
from recommendations.models import TrainingRun
from recommendations.predictions import predicted_scores
from recommendations.selectors import training_is_provisional
from recommendations.tasks import retrain_if_ratings_changed, train_recommender
from tests.factories import UserFactory
from tests.waiting import job_finished


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
    assert job.progress_total == run.params["rating"]["iterations"] == job.progress_done

    # A redelivered (already finished) job is not trained again.
    assert train_recommender.delay(job.pk).get(timeout=60) is None
    assert TrainingRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_beat_retrains_only_when_ratings_changed(world, celery_worker_process):
    first_job = retrain_if_ratings_changed.delay().get(timeout=60)
    assert job_finished(first_job).state == Job.State.SUCCEEDED

    assert retrain_if_ratings_changed.delay().get(timeout=60) is None

    rating_upsert(user=world.space_fans[0], movie=world.romance[5], score="4.0")
    second_job = retrain_if_ratings_changed.delay().get(timeout=60)
    assert second_job is not None and job_finished(second_job).state == Job.State.SUCCEEDED
    assert TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED).count() == 2
    assert TrainingRun.objects.get(is_serving=True).job_id == second_job


@pytest.mark.django_db(transaction=True)
def test_the_first_starts_quick_model_predicts_stars_and_is_completed_once_embedded(
    world, celery_worker_process, monkeypatch
):
    quick_job = job_create(kind=Job.Kind.TRAINING, description="Train recommender")
    quick_id = train_recommender.delay(quick_job.pk, quick=True).get(60)
    quick = TrainingRun.objects.get(pk=quick_id)
    assert quick.is_serving and quick.params["quick"] and training_is_provisional()
    # A newcomer's first rating brings predicted stars at once, from the quick model.
    newcomer = UserFactory()
    rating_upsert(user=newcomer, movie=world.space[0], score="5.0")
    others = [movie.pk for movie in world.space[1:4]]
    assert set(predicted_scores(user=newcomer, movie_ids=others)) == set(others)

    # The last embedding run of the catalogue: nothing left, something encoded.
    monkeypatch.setattr(catalog_tasks, "movie_map_job_start", lambda: None)
    monkeypatch.setattr(
        catalog_tasks.services, "movies_embed_dirty", lambda **kw: EmbeddingReport(encoded=3)
    )
    catalog_tasks.embed_dirty_movies_task.apply()

    completion = Job.objects.filter(kind=Job.Kind.TRAINING).exclude(pk=quick_job.pk).get()
    assert job_finished(completion.pk, timeout=120).state == Job.State.SUCCEEDED
    serving = TrainingRun.objects.get(is_serving=True)
    assert serving.job_id == completion.pk and "quick" not in serving.params
    assert not training_is_provisional()

    # Another embedding run finds the model complete and queues nothing.
    catalog_tasks.embed_dirty_movies_task.apply()
    assert Job.objects.filter(kind=Job.Kind.TRAINING).count() == 2
