"""The Prometheus metrics: every metric's name, labels and meaning, and the one way to write
and expose them (docs/operations.md reads them).

Processes that serve requests or run tasks are several (gunicorn workers, Celery's
prefork children), so each writes its values to files in PROMETHEUS_MULTIPROC_DIR and
the exposition adds them up (prometheus-client's multiprocess mode). That variable must
be set before prometheus_client is first imported: the gunicorn config does it for the
web (`core.metrics_files`), the launcher for the Celery worker. Without it (tests,
`runserver`) the values live in this process's memory, which is right for one process.

Every metric here has labels: a value file is only created by the first event, never at
import, so a process may clear the directory after importing this module and before
forking (core.metrics_files).

Writers call the functions below rather than the metrics, so that METRICS_ENABLED=false
turns every write into one attribute test.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections import Counter as Tally
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

# --- HTTP (core.middleware.MetricsMiddleware) ----------------------------------------------

# Label values are bounded: the route's name (never the path), a known method, the status.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_VIEW = "unmatched"  # no route: 404s, static files served by whitenoise

http_requests = Counter(
    "movierec_http_requests_total",
    "HTTP responses, by route name, method and status code.",
    ["view", "method", "status"],
)
http_request_duration = Histogram(
    "movierec_http_request_duration_seconds",
    "Time from the first middleware to the response, by route name and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
http_requests_in_progress = Gauge(
    "movierec_http_requests_in_progress",
    "Requests being served now, over the live processes.",
    ["method"],
    multiprocess_mode="livesum",
)

# --- Recommendations (recommendations.hybrid) -------------------------------------------

recommendations_served = Counter(
    "movierec_recommendations_served_total",
    "Movies handed out as recommendations, by the source that ranked each (als, content, "
    "popularity).",
    ["source"],
)
recommendation_cache_lookups = Counter(
    "movierec_recommendation_cache_lookups_total",
    "Lookups of a user's ranked list in the per-process list cache: hit, or miss "
    "(absent, expired, or made for older versions of the model, catalogue or user).",
    ["result"],
)

# --- Training (recommendations.training) ------------------------------------------------

TRAINING_OUTCOMES = ("succeeded", "failed")
training_runs = Counter(
    "movierec_training_runs_total", "Training runs finished, by outcome.", ["outcome"]
)
training_duration = Histogram(
    "movierec_training_duration_seconds",
    "Wall time of a training run (ALS and the rating model), by outcome.",
    ["outcome"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200),
)

tuning_searches = Counter(
    "movierec_tuning_searches_total",
    "Tuning searches of training runs, by outcome: complete, or cut_short by "
    "RECOMMENDER_TUNING_SECONDS (the run then serves the last complete choice).",
    ["outcome"],
)

# --- Celery (movierec.celery) -----------------------------------------------------------

CELERY_OUTCOMES = ("succeeded", "failed", "retried")
celery_tasks = Counter(
    "movierec_celery_tasks_total",
    "Celery task executions, by task name and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)


# --- The `make run` supervisor (movierec.stack) ------------------------------------------

stack_restarts = Counter(
    "movierec_stack_restarts_total",
    "Processes of `make run` (web, worker, beat) that died and were restarted, by process; "
    "served by the supervisor itself.",
    ["process"],
)


def _enabled() -> bool:
    return settings.METRICS_ENABLED


def http_request_started(*, method: str) -> str:
    """The method label of a request, counted as in progress until `http_request_finished`."""
    label = method if method in HTTP_METHODS else "other"
    if _enabled():
        http_requests_in_progress.labels(label).inc()
    return label


def http_request_finished(*, view: str, method: str, status: int, seconds: float) -> None:
    if not _enabled():
        return
    http_requests_in_progress.labels(method).dec()
    http_requests.labels(view, method, str(status)).inc()
    http_request_duration.labels(view, method).observe(seconds)


def recommendations_served_record(*, sources: Iterable[str]) -> None:
    if not _enabled():
        return
    for source, count in Tally(sources).items():
        recommendations_served.labels(source).inc(count)


def recommendation_cache_record(*, hit: bool) -> None:
    if _enabled():
        recommendation_cache_lookups.labels("hit" if hit else "miss").inc()


def training_run_record(*, succeeded: bool, seconds: float) -> None:
    if not _enabled():
        return
    outcome = TRAINING_OUTCOMES[0] if succeeded else TRAINING_OUTCOMES[1]
    training_runs.labels(outcome).inc()
    training_duration.labels(outcome).observe(seconds)


def tuning_search_record(*, cut_short: bool) -> None:
    if _enabled():
        tuning_searches.labels("cut_short" if cut_short else "complete").inc()


def stack_restart_record(*, process: str) -> None:
    if _enabled():
        stack_restarts.labels(process).inc()


def celery_task_record(*, task: str, outcome: str) -> None:
    if outcome not in CELERY_OUTCOMES:
        raise ValueError(f"Unknown task outcome {outcome!r}; expected one of {CELERY_OUTCOMES}.")
    if _enabled():
        celery_tasks.labels(task, outcome).inc()


# --- Measured at scrape time (pages.metrics) ----------------------------------------------


def serving_state_families(
    *, model_age_seconds: float | None, embedding_backlog: int
) -> list[GaugeMetricFamily]:
    """Gauges read from the database when scraped, so every web process tells the same."""
    age = GaugeMetricFamily(
        "movierec_serving_model_age_seconds",
        "Seconds since the serving model finished training; absent while no model serves.",
    )
    if model_age_seconds is not None:
        age.add_metric([], model_age_seconds)
    backlog = GaugeMetricFamily(
        "movierec_embedding_backlog_movies",
        "Movies whose embedding is missing or stale (waiting for an embedding task).",
        value=embedding_backlog,
    )
    return [age, backlog]


class _Families(Collector):
    def __init__(self, families: list) -> None:
        self.families = families

    def collect(self):
        return self.families


def exposition(*, extra: list) -> tuple[bytes, str]:
    """The text exposition of every process's metrics plus `extra` families."""
    registry = process_registry()
    # A registry of its own: `extra` belongs to this scrape only.
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_Families([*registry.collect(), *extra]))
    return generate_latest(scrape), CONTENT_TYPE_LATEST


def process_registry() -> CollectorRegistry:
    """This process's metrics, or with PROMETHEUS_MULTIPROC_DIR those of every process
    writing there (the gunicorn workers, or a Celery worker's pool)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


# --- Who may scrape ---------------------------------------------------------------------

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def scrape_allowed(request: HttpRequest) -> bool:
    """A request bearing METRICS_TOKEN; in development also any loopback client.

    Production never trusts the address: behind a proxy every client is the proxy,
    often on loopback.
    """
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode()):
        return True
    if settings.PRODUCTION:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in LOOPBACK)
