"""The dashboard on the admin index: numbers straight from the database."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from jobs.models import Job
from pages.admin_dashboard import CHART_DAYS, dashboard_get, ratings_per_day
from ratings.models import Rating
from recommendations.models import TrainingRun
from tests.factories import MovieFactory, UserFactory, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    movies = MovieFactory.create_batch(3, needs_embedding=False)
    MovieFactory(needs_embedding=True)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    imported = User.objects.create(
        username="movielens-1", is_imported=True, movielens_id=1, password="!"
    )
    rate(alice, movies[0])
    rate(alice, movies[1])
    rate(bob, movies[0])
    old = rate(imported, movies[2])
    Rating.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    two_days_ago = rate(bob, movies[1])
    Rating.objects.filter(pk=two_days_ago.pk).update(created_at=timezone.now() - timedelta(days=2))
    results = {"hybrid": {"ndcg": 0.3125, "recall": 0.5, "coverage": 0.125}}
    run = TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED, als_model=b"npz", is_serving=True,
        finished_at=timezone.now() - timedelta(hours=2), rating_count=5,
        metrics={"evaluation": {"k": 10, "results": results}},
    )  # fmt: skip
    job = Job.objects.create(
        kind=Job.Kind.IMPORT, state=Job.State.FAILED, message="SourceError: no such file"
    )
    return run, job


def test_the_admin_index_shows_the_dashboard(admin_client, site):
    run, job = site
    html = admin_client.get(reverse("admin:index")).text
    assert '<td class="movies">4</td>' in html
    assert '<td class="ratings">5</td>' in html
    # admin_client's superuser is a real user too.
    assert '<span class="real-users">3</span> real' in html
    assert '<span class="imported-users">1</span> imported' in html
    assert '<td class="pending-embeddings">1</td>' in html
    assert f"v{run.pk}, trained 2\xa0hours ago on 5 ratings" in html
    assert "<td>0.312</td>" in html  # ndcg@10 of the serving model
    assert 'New ratings, last 30 days: <span class="ratings-last-days">4</span>' in html
    assert "SourceError: no such file" in html and f"Import #{job.pk}" in html
    assert 'class="app-catalog module' in html  # the usual app list follows


def test_ratings_per_day_fills_gaps_and_scales_to_the_busiest_day(site):
    days = ratings_per_day(days=CHART_DAYS)
    assert len(days) == CHART_DAYS
    assert days[-1].day == timezone.localdate()
    assert [(d.count, d.percent) for d in days[-3:]] == [(1, 33), (0, 0), (3, 100)]
    assert sum(day.count for day in days) == 4  # the 400-day-old import is outside


def test_the_dashboard_is_a_handful_of_queries(site, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        dashboard = dashboard_get()
    assert (dashboard.movies, dashboard.ratings, dashboard.real_users) == (4, 5, 2)
