"""/healthz latency through gunicorn with a real Celery worker: `python -m bench healthz`.

Works in its own database `movierec_bench_healthz` (ml-latest-small imported once and kept,
so the embedding backlog it counts is 9.7k movies). Starts a Celery worker (its own queue,
so it takes no real work) and gunicorn as `make run` does, waits until /healthz reports
the worker, then asks /healthz REQUESTS times from one keep-alive client and again from
CLIENTS clients at once. For comparison it times the Celery ping the check used before
(a broadcast that waits its whole timeout for answers).

Target: p95 <= 50 ms, every answer reporting the worker alive. (Its status is 503: the
database has ratings and no model is trained, which the check reports; the model check
is one query either way.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import urllib3
from celery import current_app
from django.conf import settings

from bench._db import bench_database, database_url, ensure_movielens
from movierec.stack import GUNICORN_CONFIG

DATABASE = "movierec_bench_healthz"
DATASET = Path(settings.BASE_DIR).parent / "shared" / "data" / "movielens" / "ml-latest-small"
REQUESTS = 1000
CLIENTS = 4
TARGET_P95_MS = 50.0
PINGS = 5


def main() -> None:
    print(f"load average at start: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    with bench_database(DATABASE):
        ensure_movielens(DATASET, at_least=9_000)
    env = os.environ | {"DATABASE_URL": database_url(DATABASE), "LOG_LEVEL": "WARNING"}
    port = _free_port()
    worker = _start_worker(env)
    server = _start_gunicorn(env, port)
    try:
        pool = urllib3.PoolManager(maxsize=CLIENTS, retries=False, timeout=5)
        url = f"http://127.0.0.1:{port}/healthz"
        _wait_for_the_worker(pool, url, (worker, server))
        for _ in range(50):  # warm up connections and the workers' first queries
            pool.request("GET", url)
        _report("one client", [_timed(pool, url) for _ in range(REQUESTS)])
        _report(f"{CLIENTS} clients", _concurrent(pool, url))
        _ping_cost()
    finally:
        for process in (server, worker):
            process.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    print(f"load average at end: {Path('/proc/loadavg').read_text().strip()}", flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    queue = f"bench-healthz-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "celery", "-A", "movierec.celery", "worker", "-P", "solo",
            "-Q", queue, "-n", f"{queue}@%h", "--without-mingle", "--without-gossip",
            "-l", "WARNING"]  # fmt: skip
    return subprocess.Popen(argv, env=env, cwd=settings.BASE_DIR)


def _start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    # As `make run` (movierec/stack.py), without DEBUG, which keeps every query in memory.
    argv = [sys.executable, "-m", "gunicorn", "movierec.wsgi:application", "--config",
            GUNICORN_CONFIG, "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
            "--no-control-socket"]  # fmt: skip
    return subprocess.Popen(argv, env=env | {"DEBUG": "false"}, cwd=settings.BASE_DIR)


def _wait_for_the_worker(pool, url: str, processes) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("the worker or gunicorn exited")
        try:
            if _timed(pool, url)[2]:
                return
        except urllib3.exceptions.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("/healthz did not name the worker within 180 s")


def _timed(pool, url: str) -> tuple[float, int, bool]:
    """(ms, status, whether the worker check passed). The status may be 503 for another
    check: the database has ratings but no model, which the check reports too."""
    start = time.perf_counter()
    response = pool.request("GET", url)
    elapsed = (time.perf_counter() - start) * 1000
    body = response.json() if response.status in (200, 503) else {}
    return elapsed, response.status, bool(body.get("checks", {}).get("celery", {}).get("ok"))


def _concurrent(pool, url: str) -> list[tuple[float, int, bool]]:
    samples: list[tuple[float, int, bool]] = []
    lock = threading.Lock()

    def client() -> None:
        mine = [_timed(pool, url) for _ in range(REQUESTS // CLIENTS)]
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def _report(name: str, samples: list[tuple[float, int, bool]]) -> None:
    ms = np.array([sample[0] for sample in samples])
    ok = sum(worker_ok for _, _, worker_ok in samples)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    verdict = "met" if p95 <= TARGET_P95_MS and ok == len(samples) else "MISSED"
    print(
        f"{name}: {len(samples)} requests, p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
        f"max {ms.max():.1f} ms; {ok} reported the worker alive "
        f"(target p95 <= {TARGET_P95_MS:.0f} ms: {verdict})",
        flush=True,
    )


def _ping_cost() -> None:
    """What one request cost before: a Celery ping with the check's 1 s timeout."""
    times = []
    for _ in range(PINGS):
        start = time.perf_counter()
        current_app.control.ping(timeout=1.0)
        times.append((time.perf_counter() - start) * 1000)
    print(f"for comparison, a Celery ping (the check before): median {np.median(times):.0f} ms")
