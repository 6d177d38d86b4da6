import os
import socket
import subprocess
import sys

import psutil
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


def test_the_suite_has_a_redis_of_its_own_in_the_data_dir():
    client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
    directory = embedded.data_dir() / "redis-tests"
    assert client.config_get("dir")["dir"] == str(directory)
    # A second start joins it.
    assert embedded.start_redis(directory) == os.environ["REDIS_URL"]


@pytest.fixture
def own_ports(monkeypatch):
    """Ports derived from the data dir, as without EMBEDDED_REDIS_PORT."""
    monkeypatch.delenv("EMBEDDED_REDIS_PORT", raising=False)


def _dir_of(url: str) -> str:
    return redis.Redis.from_url(url, decode_responses=True).config_get("dir")["dir"]


def test_each_data_dir_has_its_own_redis_with_its_pid_file(tmp_path, own_ports):
    first, second = tmp_path / "a" / "redis", tmp_path / "b" / "redis"
    try:
        url_a, url_b = embedded.start_redis(first), embedded.start_redis(second)
        assert url_a != url_b
        assert (_dir_of(url_a), _dir_of(url_b)) == (str(first), str(second))
        redis.Redis.from_url(url_a).set("only-in-a", 1)
        assert redis.Redis.from_url(url_b).get("only-in-a") is None
        assert embedded.start_redis(first) == url_a  # joined, not started again
        pid = int((first / "redis.pid").read_text())
        assert redis.Redis.from_url(url_a).info("server")["process_id"] == pid
        assert int((first / "owner.pid").read_text()) == os.getpid()
    finally:
        embedded.redis_stop(first)
        embedded.redis_stop(second)


def test_a_foreign_redis_on_the_derived_port_is_never_joined(tmp_path, own_ports):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    port = embedded.redis_ports(mine)[0]
    foreign = embedded.spawn_redis(port, theirs)
    try:
        url = embedded.start_redis(mine)
        assert url != f"redis://127.0.0.1:{port}/0"
        assert _dir_of(url) == str(mine)
    finally:
        embedded.redis_stop(mine)
        embedded.stop_process(foreign)


def test_a_foreign_redis_on_the_configured_port_is_a_clear_error(tmp_path, monkeypatch):
    port = _free_port()
    foreign = embedded.spawn_redis(port, tmp_path / "theirs")
    monkeypatch.setenv("EMBEDDED_REDIS_PORT", str(port))
    try:
        with pytest.raises(embedded.EmbeddedServiceError, match=str(tmp_path / "theirs")):
            embedded.start_redis(tmp_path / "mine")
    finally:
        embedded.stop_process(foreign)


def test_the_configured_port_is_used_when_free(tmp_path, monkeypatch):
    port = _free_port()
    monkeypatch.setenv("EMBEDDED_REDIS_PORT", str(port))
    try:
        assert embedded.start_redis(tmp_path / "redis") == f"redis://127.0.0.1:{port}/0"
    finally:
        embedded.redis_stop(tmp_path / "redis")


ORPHAN_MAKER = """
import os, sys
from pathlib import Path
from movierec import embedded
print(embedded.start_redis(Path(sys.argv[1])), flush=True)
os.kill(os.getpid(), 9)  # the owner dies without stopping its Redis
"""


def test_an_orphan_of_the_data_dir_is_adopted_and_stopped_at_exit(tmp_path, own_ports):
    directory = tmp_path / "redis"
    made = subprocess.run(
        [sys.executable, "-c", ORPHAN_MAKER, str(directory)], capture_output=True, text=True
    )
    orphan_url = made.stdout.strip()
    orphan_pid = int((directory / "redis.pid").read_text())
    try:
        assert redis.Redis.from_url(orphan_url).ping()
        # Another process adopts it, and stops it when it exits.
        adopter = subprocess.run(
            [sys.executable, "-c", ADOPTER, str(directory)], capture_output=True, text=True
        )
        assert adopter.stdout.split() == [orphan_url, str(orphan_pid)], adopter.stderr
        assert not psutil.pid_exists(orphan_pid) or (
            psutil.Process(orphan_pid).status() == psutil.STATUS_ZOMBIE
        )
    finally:
        embedded.redis_stop(directory)


ADOPTER = """
import os, sys
from pathlib import Path
from movierec import embedded
directory = Path(sys.argv[1])
url = embedded.start_redis(directory)
print(url, (directory / "owner.pid").read_text().strip() == str(os.getpid()) and
      (directory / "redis.pid").read_text().strip())
"""


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
