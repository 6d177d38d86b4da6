"""The metrics of core.metrics as /metrics shows them, in this (single) process.

tests/movierec/test_gunicorn.py checks that gunicorn's workers add up, and
tests/movierec/test_celery_metrics.py the Celery worker's processes.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from core import metrics
from recommendations.models import TrainingRun
from tests.factories import MovieFactory

TOKEN = "t" * 40


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


@pytest.mark.django_db
def test_a_request_is_counted_and_timed_by_route_name_method_and_status(client):
    before = sample("movierec_http_requests_total", view="pages:home", method="GET", status="200")
    timed = sample("movierec_http_request_duration_seconds_count", view="pages:home", method="GET")
    missing = sample(
        "movierec_http_requests_total", view=metrics.UNMATCHED_VIEW, method="GET", status="404"
    )

    assert client.get("/").status_code == 200
    assert client.get("/no/such/page/12345").status_code == 404

    labels = {"view": "pages:home", "method": "GET"}
    assert sample("movierec_http_requests_total", **labels, status="200") == before + 1
    assert sample("movierec_http_request_duration_seconds_count", **labels) == timed + 1
    # The path is never a label: unknown paths share one series.
    assert (
        sample(
            "movierec_http_requests_total", view=metrics.UNMATCHED_VIEW, method="GET", status="404"
        )
        == missing + 1
    )
    assert sample("movierec_http_requests_in_progress", method="GET") == 0


@pytest.mark.django_db
def test_an_unusual_method_gets_one_label(client):
    before = sample("movierec_http_requests_total", view="pages:home", method="other", status="405")
    client.generic("PROPFIND", "/")
    after = sample("movierec_http_requests_total", view="pages:home", method="other", status="405")
    assert after == before + 1


@pytest.mark.django_db
def test_scrape_shows_the_counters_and_the_serving_state(client):
    MovieFactory.create_batch(3)  # new movies wait for their embedding
    finished = timezone.now() - timedelta(hours=2)
    TrainingRun.objects.create(
        status=TrainingRun.Status.SUCCEEDED, als_model=b"x", finished_at=finished, is_serving=True
    )
    client.get("/")
    values = scraped(client.get("/metrics"))
    assert values[("movierec_embedding_backlog_movies", ())] == 3
    age = values[("movierec_serving_model_age_seconds", ())]
    assert 7200 <= age < 7300
    home = (("method", "GET"), ("status", "200"), ("view", "pages:home"))
    assert values[("movierec_http_requests_total", home)] >= 1


@pytest.mark.django_db
def test_no_model_age_while_no_model_serves(client):
    values = scraped(client.get("/metrics"))
    assert not [key for key in values if key[0] == "movierec_serving_model_age_seconds"]
    assert values[("movierec_embedding_backlog_movies", ())] == 0


# --- Who may scrape ---------------------------------------------------------------------


@pytest.mark.django_db
def test_development_serves_loopback_clients_without_a_token(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.django_db
def test_development_hides_it_from_other_addresses(client):
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.20").status_code == 404


@pytest.mark.django_db
def test_production_without_a_token_hides_it_even_from_loopback(client, settings):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong-token", f"Token {TOKEN}", f"Bearer {TOKEN}x"]
)
def test_production_with_a_token_refuses_anything_else(client, settings, authorization):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"movierec_" not in response.content


@pytest.mark.django_db
def test_production_serves_the_bearer_of_the_token_from_anywhere(client, settings):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = TOKEN
    response = client.get(
        "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, REMOTE_ADDR="203.0.113.9"
    )
    assert ("movierec_embedding_backlog_movies", ()) in scraped(response)


@pytest.mark.django_db
def test_metrics_disabled_counts_nothing_and_hides_the_endpoint(client, settings):
    settings.METRICS_ENABLED = False
    before = sample("movierec_http_requests_total", view="pages:home", method="GET", status="200")
    client.get("/")
    assert client.get("/metrics").status_code == 404
    after = sample("movierec_http_requests_total", view="pages:home", method="GET", status="200")
    assert after == before


def test_celery_outcomes_are_a_closed_set():
    with pytest.raises(ValueError, match="Unknown task outcome 'exploded'"):
        metrics.celery_task_record(task="x", outcome="exploded")
