"""Queue Celery tasks without letting a dead broker break the request that asked for them.

Everything queued here is reconcilable: dirty movies are picked up by the beat sweep
(`catalog.tasks.sweep_dirty_movies`), changed ratings by the hourly
`retrain_if_ratings_changed`. So when Redis is unreachable the write that wanted the
task is kept, a warning is logged, and the request answers normally, instead of
blocking on kombu's default retries (up to ~100 s) and raising after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

# One quick retry rides out a broker restart or a dropped pooled connection; more
# would only make the user wait for work the sweep does anyway.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Seconds to wait for a TCP connection to the broker (Celery's default is 4 s per attempt).
CONNECT_TIMEOUT = 1.0


def enqueue(task: Task, **kwargs) -> bool:
    """Publish `task(**kwargs)` now; False (and a warning) when the broker is unavailable.

    The connection is opened for this message rather than taken from the app's pool:
    enqueues are rare (admin edits, job starts), and a fresh connection always uses the
    current broker settings and never hands back one that died while Redis was down.
    Results are not stored (ignore_result): callers track work in Job rows, and a
    result subscription would be a second Redis round trip with its own long retries.
    """
    try:
        with task.app.connection_for_write(connect_timeout=CONNECT_TIMEOUT) as connection:
            task.apply_async(
                kwargs=kwargs,
                connection=connection,
                ignore_result=True,
                retry=True,
                retry_policy=PUBLISH_RETRY_POLICY,
            )
    except (BrokerError, *_connection_errors(task)) as exc:
        logger.warning("Could not queue %s%r, left for reconciliation: %s", task.name, kwargs, exc)
        return False
    return True


def enqueue_on_commit(
    task: Task, *, on_unavailable: Callable[[], None] | None = None, **kwargs
) -> None:
    """Publish `task(**kwargs)` once the current transaction commits (workers must see
    the committed rows). `on_unavailable` runs instead if the broker cannot take it,
    e.g. to mark the job that waited for the task as failed."""

    def publish() -> None:
        if not enqueue(task, **kwargs) and on_unavailable is not None:
            on_unavailable()

    transaction.on_commit(publish)


def _connection_errors(task: Task) -> tuple[type[BaseException], ...]:
    # kombu re-raises transport errors as its OperationalError while publishing, but
    # opening or closing the connection can surface the transport's own ones (redis-py's).
    with task.app.connection_for_write() as connection:
        return tuple(connection.connection_errors)
