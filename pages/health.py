"""Liveness of the parts the site needs, for `/healthz` and monitoring."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from catalog.selectors import movies_waiting_for_embedding_count
from core.worker_heartbeat import workers_alive
from ratings.models import Rating
from recommendations.selectors import training_run_list

PROBE_TIMEOUT_SECONDS = 1.0


@dataclass
class HealthReport:
    checks: dict[str, dict] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    def as_dict(self) -> dict:
        return {"status": "ok" if self.healthy else "unhealthy", "checks": self.checks}


def health_report() -> HealthReport:
    report = HealthReport()
    report.checks["database"] = _check_database()
    client = _redis_client(settings.REDIS_URL)
    report.checks["redis"] = _check_redis(client)
    report.checks["celery"] = (
        _check_celery(client)
        if report.checks["redis"]["ok"]
        else {"ok": False, "error": "broker (Redis) is down"}
    )
    if report.checks["database"]["ok"]:
        pending = movies_waiting_for_embedding_count()
        report.checks["embeddings"] = {"ok": True, "pending": pending}
        report.checks["model"] = _check_model()
    return report


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": str(exc).strip()}


def _serving_run() -> dict | None:
    return training_run_list().filter(is_serving=True).values("pk", "finished_at").first()


def serving_model_age_seconds() -> float | None:
    """Seconds since the serving model finished training; None while none serves."""
    serving = _serving_run()
    return None if serving is None else _age_seconds(serving["finished_at"])


def _age_seconds(finished_at) -> float:
    return (timezone.now() - finished_at).total_seconds()


def _check_model() -> dict:
    """The serving model's version and age. Without one, recommendations fall back to
    popularity: fine on an empty site, a fault once there are ratings to train on."""
    serving = _serving_run()
    if serving is None:
        ok = not Rating.objects.exists()
        return {
            "ok": ok,
            "version": None,
            "age_seconds": None,
            **({} if ok else {"error": "ratings exist but no model serves"}),
        }
    age = _age_seconds(serving["finished_at"])
    return {"ok": True, "version": serving["pk"], "age_seconds": round(age)}


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    """One per process and URL: its pool keeps a connection open between checks (a new
    one costs more than the check). A connection broken by a Redis restart is retried once,
    at once; redis-py's default would retry a down Redis for seconds."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
        socket_timeout=PROBE_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 1),
    )


def _check_redis(client: redis.Redis) -> dict:
    try:
        client.ping()
        return {"ok": True}
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}


def _check_celery(client: redis.Redis) -> dict:
    """The workers whose heartbeat is recent (core.worker_heartbeat)."""
    try:
        workers = workers_alive(client=client)
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}
    if not workers:
        return {"ok": False, "error": "no Celery worker is alive", "workers": []}
    return {"ok": True, "workers": workers}
