"""The Celery application. Run workers with `celery -A movierec.celery worker`."""

import logging
import os
import threading

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movierec.settings")

# A worker started by hand in the checkout joins the same embedded services as manage.py.
from movierec.embedded import ensure_services  # noqa: E402

ensure_services()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from prometheus_client import start_http_server  # noqa: E402

from core import metrics, metrics_files, worker_heartbeat  # noqa: E402

logger = logging.getLogger(__name__)

app = Celery("movierec")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- Metrics (core.metrics; docs/operations.md) ----------------------------------------


@signals.task_success.connect
def _task_succeeded(sender=None, **kwargs) -> None:
    metrics.celery_task_record(task=sender.name, outcome="succeeded")


@signals.task_failure.connect
def _task_failed(sender=None, **kwargs) -> None:
    metrics.celery_task_record(task=sender.name, outcome="failed")


@signals.task_retry.connect
def _task_retried(sender=None, **kwargs) -> None:
    metrics.celery_task_record(task=sender.name, outcome="retried")


@signals.worker_init.connect
def _worker_metrics_serve(**kwargs) -> None:
    """With WORKER_METRICS_ADDRESS, serve the metrics of this worker's processes there.

    Runs in the main process before the pool forks, so its emptied directory receives
    only this run's files. The pool's processes write there only if the launcher set
    PROMETHEUS_MULTIPROC_DIR before anything imported prometheus_client.
    """
    address = settings.WORKER_METRICS_ADDRESS
    if address is None or not settings.METRICS_ENABLED:
        return
    if not os.environ.get(metrics_files.ENV):
        raise ImproperlyConfigured(
            "WORKER_METRICS_ADDRESS needs PROMETHEUS_MULTIPROC_DIR in the worker's environment: "
            "without it the pool's processes keep their metrics to themselves."
        )
    metrics_files.metrics_dir_prepare(private_if_unset=False)
    host, port = address
    start_http_server(port, addr=host, registry=metrics.process_registry())


# --- Heartbeat (core.worker_heartbeat; read by /healthz) -----------------------------------

_heartbeat_stop = threading.Event()


def _heartbeat_beat(name: str) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    while not _heartbeat_stop.is_set():
        try:
            worker_heartbeat.worker_heartbeat_write(client=client, name=name)
        except redis.RedisError as exc:  # the broker is down: the worker waits for it too
            logger.warning("worker heartbeat not written: %s", exc)
        _heartbeat_stop.wait(worker_heartbeat.INTERVAL_SECONDS)


@signals.worker_ready.connect
def _heartbeat_start(sender=None, **kwargs) -> None:
    """A thread of the worker's main process, which never runs tasks under prefork: it beats
    while the worker lives, however long its tasks take."""
    _heartbeat_stop.clear()
    threading.Thread(
        target=_heartbeat_beat, args=(sender.hostname,), name="heartbeat", daemon=True
    ).start()


@signals.worker_shutdown.connect
def _heartbeat_end(sender=None, **kwargs) -> None:
    _heartbeat_stop.set()
    worker_heartbeat.worker_heartbeat_drop(url=settings.REDIS_URL, name=sender.hostname)
