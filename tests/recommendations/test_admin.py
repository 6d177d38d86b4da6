"""Ratings (read only) and recommender model versions in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from recommendations.evaluation.report import METRICS
from recommendations.models import TrainingRun
from recommendations.training import CUT_SHORT
from tests.admin_helpers import assert_staff_only, messages_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _run(status=TrainingRun.Status.SUCCEEDED, **fields) -> TrainingRun:
    done = status != TrainingRun.Status.RUNNING
    defaults = {
        "als_model": b"npz" if status == TrainingRun.Status.SUCCEEDED else None,
        "finished_at": timezone.now() if done else None,
        "params": {
            "factors": 64,
            "iterations": 15,
            "ease": {"l2": 400.0, "max_items": 5000},
            "hybrid": {
                "als_weight": 0.4,
                "ease_weight": 0.6,
                "content_weight": 0.1,
                "full_trust_ratings": 10,
                "mmr_lambda": 0.9,
                "stars_weight": 0.2,
            },
            "similar": {
                "content_weight": 0.25,
                "collaborative_weight": 0.75,
                "quality_weight": 0.2,
            },
        },
    }
    return TrainingRun.objects.create(status=status, **{**defaults, **fields})


def test_list_and_detail_pages_load_for_staff_only(client, admin_client):
    run = _run(is_serving=True)
    for url in (
        reverse("admin:recommendations_trainingrun_changelist"),
        reverse("admin:recommendations_trainingrun_change", args=[run.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url
        assert_staff_only(client, url)


# --- Model versions --------------------------------------------------------------------


def test_versions_list_shows_which_serves_its_metrics_and_never_loads_the_models(admin_client):
    results = {name: dict.fromkeys(METRICS, 0.25) for name in ("als", "hybrid")}
    serving = _run(
        is_serving=True,
        duration_seconds=12.34,
        user_count=610,
        item_count=9000,
        rating_count=100836,
        metrics={"evaluation": {"k": 10, "results": results, "protocol": "per-user holdout"}},
    )
    _run(status=TrainingRun.Status.FAILED, error="MemoryError: too big")
    response = admin_client.get(reverse("admin:recommendations_trainingrun_changelist"))
    html = response.text
    assert html.count("● serving") == 1
    assert f">v{serving.pk}<" in html
    assert "610 · 9,000 · 100,836" in html and "12.3 s" in html
    assert "<th>ndcg@10</th>" in html and "<td>0.250</td>" in html
    # What the run serves: the stored values, the defaults for what it did not store.
    assert "ALS: factors 64, regularization 5, alpha 2, neutral 2.5, iterations 15" in html
    assert "EASE: λ 400 over the 5,000 most-rated films" in html
    assert "Blend: ALS 0.4, EASE 0.6, content 0.1; full trust at 10 ratings" in html
    assert "MMR λ 0.9; predicted stars 0.2" in html
    assert "More like this: content 0.25, collaborative 0.75, quality 0.2" in html
    assert all(
        "als_model" in run.get_deferred_fields() for run in response.context["cl"].result_list
    )
    detail = admin_client.get(
        reverse("admin:recommendations_trainingrun_change", args=[serving.pk])
    )
    assert "<th>diversity</th>" in detail.text and "per-user holdout" in detail.text
    assert "Not tuned: the parameters were given or reused." in detail.text
    assert "als_model" in detail.context["original"].get_deferred_fields()


def _rollback(admin_client, runs: list[TrainingRun]):
    return admin_client.post(
        reverse("admin:recommendations_trainingrun_changelist"),
        {"action": "rollback", "_selected_action": [run.pk for run in runs]},
        follow=True,
    )


def test_rolling_back_makes_the_chosen_version_serve(admin_client):
    older, newer = _run(), _run(is_serving=True)
    response = _rollback(admin_client, [older])
    assert messages_of(response) == [f"Model v{older.pk} now serves."]
    assert TrainingRun.objects.get(is_serving=True) == older
    assert not TrainingRun.objects.get(pk=newer.pk).is_serving


@pytest.mark.parametrize("choice", ["failed", "two"])
def test_rolling_back_to_a_failed_run_or_two_runs_is_refused(admin_client, choice):
    serving = _run(is_serving=True)
    failed = _run(status=TrainingRun.Status.FAILED)
    runs = [failed] if choice == "failed" else [failed, _run()]
    [message] = messages_of(_rollback(admin_client, runs))
    expected = (
        f"Model v{failed.pk} is failed; only succeeded runs can serve."
        if choice == "failed"
        else "Select exactly one version to serve."
    )
    assert message == expected
    assert TrainingRun.objects.get(is_serving=True) == serving


def test_retrain_now_creates_a_training_job(admin_client, django_capture_on_commit_callbacks):
    page = admin_client.get(reverse("admin:recommendations_trainingrun_changelist")).text
    url = reverse("admin:jobs_job_start_training")
    assert f'action="{url}"' in page and "Retrain now" in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(url)
    assert response.url == reverse("admin:jobs_job_changelist")
    job = Job.objects.get()
    assert (job.kind, job.state) == (Job.Kind.TRAINING, Job.State.QUEUED)
    assert len(callbacks) == 1  # the training task, queued once the job is committed


def test_versions_cannot_be_edited_and_view_only_staff_cannot_roll_back(client, admin_client):
    run = _run()
    change = reverse("admin:recommendations_trainingrun_change", args=[run.pk])
    assert admin_client.post(change, {"status": "failed"}).status_code == 403
    assert admin_client.get(reverse("admin:recommendations_trainingrun_add")).status_code == 403
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_trainingrun"))
    client.force_login(viewer)
    page = client.get(reverse("admin:recommendations_trainingrun_changelist"))
    assert page.status_code == 200
    assert "rollback" not in page.text and "Retrain now" not in page.text


def test_a_tuned_run_shows_what_validation_chose(admin_client):
    validation = {
        "protocol": "per-user 20% holdout",
        "seed": 0,
        "ndcg": {"als": 0.28, "ease": 0.29, "hybrid": 0.31},
        "candidates": 37,
        "out_of_time": True,
        "seconds": 60.2,
    }
    run = _run(is_serving=True, metrics={"validation": validation})

    detail = admin_client.get(reverse("admin:recommendations_trainingrun_change", args=[run.pk]))

    assert "nDCG: als 0.2800, ease 0.2900, hybrid 0.3100" in detail.text
    assert "37 candidates in 60.2 s (stopped by the time budget); seed 0" in detail.text
    assert CUT_SHORT in detail.text
    dashboard = admin_client.get(reverse("admin:index"))
    assert "hybrid 0.3100" in dashboard.text and "EASE: λ 400" in dashboard.text
