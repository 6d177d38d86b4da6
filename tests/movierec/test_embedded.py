import os
import socket

import psycopg
import pytest
import redis

from movierec import embedded


def test_database_url_points_at_postgres_with_pgvector():
    with psycopg.connect(
        os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
    ) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        available = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'vector'"
        ).fetchone()
    assert int(version) >= 180000
    assert available == ("0.8.5",)


def test_redis_url_answers():
    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping() is True


def test_a_second_start_reuses_the_running_redis():
    port = int(os.environ["REDIS_URL"].rsplit(":", 1)[1].split("/")[0])
    assert embedded.start_redis(port) == os.environ["REDIS_URL"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_spawned_redis_can_be_stopped(tmp_path):
    port = _free_port()
    process = embedded.spawn_redis(port, tmp_path)
    assert redis.Redis(port=port).ping()
    embedded.stop_process(process)
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=port, socket_connect_timeout=0.5).ping()
