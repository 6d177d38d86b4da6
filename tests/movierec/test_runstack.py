"""`manage.py runstack` (what `make run` runs) as real processes: two stacks with their own
data dirs side by side, each process killed in turn and restarted, and Ctrl-C leaving
nothing behind.

Each stack uses the test database (the database is not what is shared by mistake) and
starts its own embedded Redis in its own data dir, as `make run` does.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis
import urllib3

from core.worker_heartbeat import KEY as HEARTBEATS
from movierec.stack import worker_name
from tests.conftest import _test_database_url
from tests.waiting import wait_until

pytestmark = [pytest.mark.xdist_group("runstack"), pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
HTTP = urllib3.PoolManager(retries=False, timeout=5)


def _free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports (web, worker metrics, stack)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free ports")


@dataclass
class RunningStack:
    process: subprocess.Popen
    port: int
    data_dir: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pid_of(self, name: str) -> int | None:
        started = re.findall(rf"{name} started \(pid (\d+)\)", self.output())
        return int(started[-1]) if started else None

    def health(self) -> dict | None:
        try:
            response = HTTP.request("GET", f"http://127.0.0.1:{self.port}/healthz")
        except urllib3.exceptions.HTTPError:
            return None
        return response.json()

    def worker_alive(self) -> bool:
        health = self.health()
        return bool(health and health["checks"]["celery"]["ok"])

    def redis(self) -> redis.Redis:
        """This stack's embedded Redis, as its log names it."""
        url = re.search(r"Redis at (redis://\S+)", self.output())[1]
        return redis.Redis.from_url(url, decode_responses=True, socket_timeout=2)

    def descendants(self) -> set[int]:
        try:
            return {p.pid for p in psutil.Process(self.process.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()


def _start(tmp: Path, name: str) -> RunningStack:
    port = _free_ports(3)
    data_dir = tmp / name
    data_dir.mkdir()
    log = tmp / f"{name}.log"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "EMBEDDED_REDIS_PORT")} | {
        "MOVIEREC_DATA_DIR": str(data_dir),
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "manage.py", "runstack", "--skip-bootstrap", "--port", str(port),
            "--worker-concurrency", "1"]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(
            argv, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return RunningStack(process, port, data_dir, log)


@pytest.fixture(scope="module")
def stacks(tmp_path_factory, django_db_setup, django_db_blocker):
    tmp = tmp_path_factory.mktemp("stacks")
    with django_db_blocker.unblock():
        running = [_start(tmp, "a"), _start(tmp, "b")]
    try:
        for stack in running:
            wait_until(
                stack.worker_alive, f"stack {stack.data_dir.name} to be healthy", timeout=240
            )
        yield running
    finally:
        for stack in running:
            if stack.process.poll() is None:
                stack.process.send_signal(signal.SIGINT)
        for stack in running:
            try:
                stack.process.wait(60)
            except subprocess.TimeoutExpired:
                for pid in stack.descendants() | {stack.process.pid}:
                    os.kill(pid, signal.SIGKILL)


def test_two_stacks_with_their_own_data_dirs_share_no_redis(stacks):
    a, b = stacks
    redis_a, redis_b = a.redis(), b.redis()
    assert redis_a.config_get("dir")["dir"] == str(a.data_dir / "redis")
    assert redis_b.config_get("dir")["dir"] == str(b.data_dir / "redis")
    # Each worker beats in its own stack's Redis only.
    assert list(redis_a.zrange(HEARTBEATS, 0, -1)) == [worker_name(a.port)]
    assert list(redis_b.zrange(HEARTBEATS, 0, -1)) == [worker_name(b.port)]
    redis_a.set("written-in-a", "1")
    assert redis_b.get("written-in-a") is None
    assert not set(redis_a.keys("celery-task-meta-*")) & set(redis_b.keys("celery-task-meta-*"))
    assert (a.data_dir / "redis" / "redis.pid").read_text().strip() == str(
        redis_a.info("server")["process_id"]
    )


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_a_killed_process_is_restarted_and_counted(stacks, name):
    a, b = stacks
    before = a.pid_of(name)
    b_pids = {n: b.pid_of(n) for n in ("web", "worker", "beat")}
    os.kill(before, signal.SIGKILL)
    wait_until(
        lambda: f"{name} was killed by SIGKILL" in a.output(), "the death to be logged", timeout=30
    )
    if name == "worker":
        # While it restarts, the health check says the worker is missing.
        wait_until(
            lambda: a.health() and not a.health()["checks"]["celery"]["ok"], "503", timeout=30
        )
    wait_until(lambda: a.pid_of(name) != before, f"{name} to be restarted", timeout=60)
    wait_until(a.worker_alive, "the stack to be healthy again", timeout=240)
    assert psutil.pid_exists(a.pid_of(name))
    metrics = HTTP.request("GET", f"http://127.0.0.1:{a.port + 2}/metrics").data.decode()
    assert f'movierec_stack_restarts_total{{process="{name}"}} 1.0' in metrics
    # The other stack noticed nothing.
    assert {n: b.pid_of(n) for n in b_pids} == b_pids
    assert "killed" not in b.output()


def test_ctrl_c_stops_everything_and_leaves_nothing_behind(stacks):
    for stack in stacks:
        children = stack.descendants()
        redis_pid = int((stack.data_dir / "redis" / "redis.pid").read_text())
        assert children and psutil.pid_exists(redis_pid)
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(90) == 0
        left = [p for p in children | {redis_pid} if psutil.pid_exists(p)]
        left = [p for p in left if psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        assert not left, [psutil.Process(p).cmdline() for p in left]
        assert "all processes stopped" in stack.output()
