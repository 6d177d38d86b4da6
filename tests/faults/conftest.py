"""Fault injection against real services: a throw-away redis-server the test can kill."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from movierec.celery import app as celery_app
from movierec.embedded import spawn_redis, stop_process

# The recommender tests' synthetic world and model, for the recommendation endpoints.
from tests.recommendations.conftest import trained, world  # noqa: F401


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    """A redis-server on loopback that can be stopped and started again on the same port."""

    port: int
    directory: Path
    process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = spawn_redis(self.port, self.directory)

    def stop(self) -> None:
        stop_process(self.process)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2)


@pytest.fixture
def broker(tmp_path, settings):
    """The Celery app and the health check pointed at a private Redis, restored afterwards.

    Only the configured URL changes: core.queueing opens a fresh connection per
    message from it, so no pooled connection to the shared Redis is involved.
    """
    server = RedisServer(port=free_port(), directory=tmp_path)
    server.start()
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = server.url
    settings.REDIS_URL = server.url
    try:
        yield server
    finally:
        celery_app.conf.broker_url = previous
        stop_process(server.process)
