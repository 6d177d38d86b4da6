"""Which Celery workers are alive: each writes a heartbeat to Redis every few seconds, and
the health check reads them in one round trip instead of pinging every worker per request
(a Celery ping waits its whole timeout for answers).

The heartbeats are one sorted set, worker name → time of its last beat (seconds since the
epoch, the writer's clock: keep the machines' clocks in sync). A worker that stops cleanly
takes its name out; one that dies is dropped by the supervisor that saw it die
(movierec.stack), or else counts as gone STALE_SECONDS after its last beat.
"""

from __future__ import annotations

import contextlib
import time

import redis

KEY = "movierec:worker-heartbeats"
INTERVAL_SECONDS = 2.0
STALE_SECONDS = 10.0


def worker_heartbeat_write(*, client: redis.Redis, name: str) -> None:
    now = time.time()
    with client.pipeline(transaction=False) as pipe:
        pipe.zadd(KEY, {name: now})
        pipe.zremrangebyscore(KEY, "-inf", now - STALE_SECONDS)  # long-gone workers
        pipe.expire(KEY, int(STALE_SECONDS) + 1)
        pipe.execute()


def worker_heartbeat_clear(*, client: redis.Redis, name: str) -> None:
    client.zrem(KEY, name)


def workers_alive(*, client: redis.Redis) -> list[str]:
    """Names of the workers that beat within STALE_SECONDS, sorted."""
    names = client.zrangebyscore(KEY, time.time() - STALE_SECONDS, "+inf")
    return sorted(name.decode() for name in names)


def worker_heartbeat_drop(*, url: str, name: str) -> None:
    """Take `name` out now if Redis at `url` answers; otherwise it goes stale on its own."""
    with contextlib.suppress(redis.RedisError):
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        worker_heartbeat_clear(client=client, name=name)
