"""First run: seconds from the site first answering until every movie is embedded.

Starts `manage.py runstack` (what `make run` runs) on a fresh, temporary
MOVIEREC_DATA_DIR with ml-latest-small and TMDB's 5000 movies from ../shared/data,
on a free web port and its own embedded Redis and PostgreSQL, polls /healthz and
stops the stack once the embedding backlog is 0. Then, with the stack stopped, it
encodes the same documents alone with the same backend (bench/_encode_alone.py) and
prints the ratio of the two: what everything else running beside the embedding cost
it, a figure that a loaded machine slows on both sides. EMBEDDING_BACKEND and the
other settings pass through, so `EMBEDDING_BACKEND=torch python -m bench firstrun`
times the old path on the same machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis
from django.conf import settings

RUN_BY_DEFAULT = False  # minutes of a whole stack; run it by name
SHARED = Path(settings.BASE_DIR).parent / "shared" / "data"
MOVIELENS = SHARED / "movielens" / "ml-latest-small"
TMDB = SHARED / "tmdb" / "tmdb_5000_movies.csv"
POLL_SECONDS = 0.5
GIVE_UP_SECONDS = 60 * 60
TARGET_SECONDS = 90
TARGET_RATIO = 1.3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="movierec-firstrun-"))
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        # The bench's own services (bench/__main__) must not leak into the fresh stack.
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    redis_port = free_port()
    env.update(
        MOVIEREC_DATA_DIR=str(data_dir),
        EMBEDDED_REDIS_PORT=str(redis_port),
        MOVIELENS_SOURCE=str(MOVIELENS),
        TMDB_METADATA_PATH=str(TMDB),
    )
    backend = env.get("EMBEDDING_BACKEND", settings.EMBEDDING_BACKEND)
    print(f"runstack on port {port}, data in {data_dir}, EMBEDDING_BACKEND={backend}")
    print(f"load average at start: {_load()} (2 cores idle would be ~0)")
    log = open(data_dir.parent / f"{data_dir.name}.log", "w")  # noqa: SIM115 - lives with the stack
    stack = subprocess.Popen(
        [sys.executable, "manage.py", "runstack", "--port", str(port)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        try:
            first_run = _measure(stack, port, started=time.monotonic())
        finally:
            _stop(stack)
            log.close()
            print(f"stack log: {log.name}")
        alone = _encode_alone(env)
        print(
            f"encoding the same {alone['documents']:,} documents alone, {backend}: "
            f"{alone['seconds']:.1f} s"
        )
        print(
            f"first run / encoding alone: {first_run / alone['seconds']:.2f}"
            f"  (target <= {TARGET_RATIO})"
        )
        print(f"load average at end: {_load()}")
    finally:
        _services_stop(data_dir, redis_port)


def _measure(stack: subprocess.Popen, port: int, *, started: float) -> float:
    """Seconds from the site's first answer until the embedding backlog is 0."""
    first_answer = None
    first_model = None
    pending_at_first = None
    pending = None
    while time.monotonic() - started < GIVE_UP_SECONDS:
        if stack.poll() is not None:
            raise SystemExit(f"runstack exited with {stack.returncode} before the backlog was 0")
        health = _healthz(port)
        now = time.monotonic()
        if health is not None:
            if first_answer is None:
                first_answer = now
                print(f"site first answered {now - started:.1f} s after launch", flush=True)
            checks = health.get("checks", {})
            if first_model is None and checks.get("model", {}).get("version") is not None:
                first_model = now
                # The first start's quick model: recommendations and predicted stars.
                print(f"first model serving {now - first_answer:.1f} s after the first answer")
            pending = checks.get("embeddings", {}).get("pending")
            if pending_at_first is None and pending is not None:
                pending_at_first = pending
            if pending == 0:
                print(f"embedding backlog {pending_at_first:,} -> 0")
                print(f"launch -> backlog 0: {now - started:.1f} s")
                print(
                    f"first answer -> backlog 0: {now - first_answer:.1f} s"
                    f"  (target <= {TARGET_SECONDS} s on an idle 2-core machine)"
                )
                print(f"load average when the backlog reached 0: {_load()}")
                return now - first_answer
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"gave up after {GIVE_UP_SECONDS} s with {pending} movies still pending")


def _load() -> str:
    """The 1, 5 and 15-minute load averages, as /proc/loadavg gives them."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


def _healthz(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:  # 503 while the model trains: still an answer
        return json.load(error)
    except (OSError, ValueError):
        return None


def _encode_alone(env: dict[str, str]) -> dict:
    """The stack's documents encoded by a process of their own, nothing else running."""
    output = subprocess.run(
        [sys.executable, "-m", "bench._encode_alone"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _stop(stack: subprocess.Popen) -> None:
    """Ctrl-C the stack as a person would."""
    if stack.poll() is None:
        os.killpg(stack.pid, signal.SIGINT)
        try:
            stack.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()


def _services_stop(data_dir: Path, redis_port: int) -> None:
    """Make sure nothing of the stack is left, then delete its data."""
    # Redis and PostgreSQL run in sessions of their own and stop with their owner,
    # unless it was killed: then stop the ones of this data dir.
    with contextlib.suppress(redis.RedisError):
        redis.Redis(port=redis_port, socket_timeout=2).shutdown(nosave=True)
    pid_file = data_dir / "pg" / "postmaster.pid"
    if pid_file.exists():
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
        time.sleep(2)
    shutil.rmtree(data_dir, ignore_errors=True)
