"""HTTP load on the JSON API through gunicorn: `python -m bench load`.

Works in its own database `movierec_bench_load` on the same server, kept between runs
(ml-latest-small imported, embedded with the vector cache of `bench hnsw`, 200 API users
with tokens and ratings); each run retrains, then starts gunicorn on a free loopback
port with movierec/gunicorn.conf.py and drives it from CLIENTS threads in two phases:

1. paced: requests are scheduled at a fixed rate, first half the target rate, then
   TARGET_RATE (where the targets are checked). Latency is measured from each
   request's scheduled time, so time spent waiting for a free client counts too
   (no "coordinated omission").
2. capacity: every client sends its next request as soon as the last one returned,
   which finds the most the server can do. Latency here is mostly queueing: with N
   clients always busy, mean latency = N / throughput (Little's law), which is why
   a latency target can only be checked at a given rate.

Side by side in each phase, a trivial endpoint (GET /api/v1/genres/: token lookup,
one small query) is the baseline the recommendation latency is compared with.
Only 127.0.0.1 is contacted; every request has a timeout and each phase a fixed length.

Metrics are on, as in production (gunicorn's multiprocess directory on /dev/shm, every
request counted and timed). BENCH_LOAD_METRICS=both runs everything twice, with
METRICS_ENABLED=false then on, and reports what the metrics cost per request: in the
capacity phase, and measured directly (the writes of one recommendation request, and
one scrape of /metrics).
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import urllib3
from django.conf import settings
from django.db import connection

from accounts.models import User
from accounts.services import api_token_create, api_token_revoke_all
from bench._db import bench_database, database_url, ensure_movielens
from bench.bench_hnsw import embed_catalogue
from catalog.models import Movie
from jobs.progress import NullProgress
from movierec.stack import GUNICORN_CONFIG
from ratings.models import Rating
from ratings.services import rating_upsert
from recommendations.training import training_run_train

DATABASE = "movierec_bench_load"
DATASET = Path(settings.BASE_DIR).parent / "shared" / "data" / "movielens" / "ml-latest-small"
API_USERS = 200
RATINGS_PER_USER = 20
CLIENTS = 32
TARGET_RATE = 160  # requests/s offered in the checked paced phase, above the 150 target
PACED_SECONDS = 45.0
CAPACITY_SECONDS = 30.0
WARMUP_SECONDS = 3.0
WORKERS, THREADS = 2, 4  # as `make run` (movierec/stack.py)
REQUEST_TIMEOUT = 10.0
# Share of requests; "genres" is the trivial baseline sampled in the same run.
MIX = {
    "recommendations": 70,
    "movie detail": 7.5,
    "similar": 7.5,
    "rating PUT": 10,
    "search": 5,
    "genres (trivial)": 5,
}
SEARCHES = ["godfather", "space adventure", "toy story", "heist", "romantic comedy in paris",
            "alien invasion", "jane austen", "batman", "zombies", "time travel"]  # fmt: skip
TARGETS = {"recommendations p95 ms": 50.0, "throughput req/s": 150.0, "errors": 0}


METRICS_MODES = {"on": ["on"], "off": ["off"], "both": ["off", "on"]}
SCRAPES = 20


def main() -> None:
    if not (DATASET / "ratings.csv").is_file():
        print(f"skipped: {DATASET} is missing")
        return
    mode = os.environ.get("BENCH_LOAD_METRICS", "on")
    if mode not in METRICS_MODES:
        raise SystemExit(f"BENCH_LOAD_METRICS={mode!r}; expected on, off or both")
    with bench_database(DATABASE):
        tokens, movie_ids = _prepare()
    capacity = {}
    for metrics in METRICS_MODES[mode]:
        print(f"\n--- metrics {metrics} ---", flush=True)
        capacity[metrics] = _run(tokens, movie_ids, metrics=metrics == "on")
    if len(capacity) == 2:
        cost = 1000 * (1 / capacity["on"] - 1 / capacity["off"])
        print(
            f"\ncapacity with metrics {capacity['on']:.1f} req/s, without {capacity['off']:.1f}: "
            f"{cost:+.3f} ms of the server per request ({WORKERS} workers)"
        )
        _write_cost()


def _run(tokens: list[str], movie_ids: list[int], *, metrics: bool) -> float:
    """Paced and capacity phases against a fresh gunicorn; returns the capacity (req/s)."""
    port = _free_port()
    server = _start_gunicorn(port, metrics=metrics)
    try:
        _wait_until_up(port, tokens[0], server)
        _drive(port, tokens, movie_ids, WARMUP_SECONDS)  # connections and caches
        for rate in (TARGET_RATE // 2, TARGET_RATE):
            print(f"\npaced: {rate} requests/s scheduled from {CLIENTS} clients", flush=True)
            samples, elapsed = _drive(port, tokens, movie_ids, PACED_SECONDS, rate=rate)
            _report(samples, elapsed, check=rate == TARGET_RATE)
        print(f"\ncapacity: {CLIENTS} clients without pauses", flush=True)
        samples, elapsed = _drive(port, tokens, movie_ids, CAPACITY_SECONDS)
        _report(samples, elapsed, check=False)
        _worker_memory(server.pid)
        if metrics:
            _scrape_cost(port)
        return sum(len(s["ms"]) for s in samples.values()) / elapsed
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _prepare() -> tuple[list[str], list[int]]:
    ensure_movielens(DATASET, at_least=9_000)
    embed_catalogue()
    users = _api_users()
    with connection.cursor() as cursor:
        # Fresh bulk loads have no planner statistics yet; autovacuum would add them later.
        cursor.execute("ANALYZE")
    start = time.perf_counter()
    run = training_run_train(progress=NullProgress())
    print(
        f"trained model v{run.pk}: {run.user_count} users x {run.item_count} movies, "
        f"{run.rating_count} ratings in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    tokens = [_fresh_token(user) for user in users]
    movie_ids = list(Movie.objects.filter(rating_count__gte=5).values_list("pk", flat=True))
    return tokens, movie_ids


def _fresh_token(user: User) -> str:
    """A new API token of `user`, the last run's revoked: the database is kept between runs."""
    api_token_revoke_all(user=user)
    return api_token_create(user=user, name="bench load")[1]


def _api_users() -> list[User]:
    """API_USERS site users (not imported raters), each with some ratings of popular films."""
    names = [f"load{i:03d}" for i in range(API_USERS)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    # Unusable passwords: token auth only, and no hashing to pay for.
    User.objects.bulk_create(User(username=n, password="!") for n in names if n not in existing)
    users = list(User.objects.filter(username__in=names).order_by("username"))
    if Rating.objects.filter(user__in=users).count() < API_USERS * RATINGS_PER_USER // 2:
        rng = random.Random(0)
        popular = list(Movie.objects.order_by("-rating_count").values_list("pk", flat=True)[:500])
        for user in users:
            for movie_id in rng.sample(popular, RATINGS_PER_USER):
                rating_upsert(user=user, movie=movie_id, score=rng.choice(range(1, 11)) / 2)
    return users


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(port: int, *, metrics: bool) -> subprocess.Popen:
    # Unset, gunicorn.conf.py gives the workers a fresh directory on /dev/shm, as in production.
    base = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env = base | {
        "METRICS_ENABLED": "true" if metrics else "false",
        "DATABASE_URL": database_url(DATABASE),
        # High enough never to answer 429: the benchmark measures serving, not throttling.
        "API_THROTTLE_USER": "1000000/minute",
        # DEBUG keeps every SQL statement in memory; production runs without it.
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    argv = [sys.executable, "-m", "gunicorn", "movierec.wsgi:application", "--config",
            GUNICORN_CONFIG, "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
            "--threads", str(THREADS), "--graceful-timeout", "5",
            # The default control socket is one per user: it would clash with `make run`.
            "--no-control-socket"]  # fmt: skip
    print(f"gunicorn: {WORKERS} workers x {THREADS} threads on 127.0.0.1:{port}", flush=True)
    return subprocess.Popen(argv, env=env, cwd=settings.BASE_DIR)


def _wait_until_up(port: int, token: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 180  # two workers load torch and the model first
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {server.returncode}")
        try:
            response = urllib3.request(
                "GET", f"http://127.0.0.1:{port}/api/v1/genres/", headers=_auth(token),
                timeout=5, retries=False,
            )  # fmt: skip
            if response.status == 200:
                return
        except urllib3.exceptions.HTTPError:  # refused, or accepted while the workers boot
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer within 180 s")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def _request(rng: random.Random, movie_ids: list[int]) -> tuple[str, str, str, dict | None]:
    """One request of the mix: (endpoint name, method, path, JSON body)."""
    name = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    movie = rng.choice(movie_ids)
    if name == "recommendations":
        return name, "GET", "/api/v1/recommendations/?k=10", None
    if name == "movie detail":
        return name, "GET", f"/api/v1/movies/{movie}/", None
    if name == "similar":
        return name, "GET", f"/api/v1/movies/{movie}/similar/", None
    if name == "rating PUT":
        return name, "PUT", f"/api/v1/movies/{movie}/rating/", {"score": rng.randint(1, 10) / 2}
    if name == "search":
        return name, "GET", f"/api/v1/movies/?q={rng.choice(SEARCHES)}", None
    return name, "GET", "/api/v1/genres/", None


def _drive(
    port: int, tokens: list[str], movie_ids: list[int], seconds: float, rate: float | None = None
) -> tuple[dict, float]:
    """CLIENTS threads, each a keep-alive session acting as random API users, until the
    deadline: at `rate` requests/s in total, or flat out when it is None.
    Returns ({endpoint: {"ms": [...], "errors": [...]}}, elapsed seconds)."""
    samples: dict = defaultdict(lambda: {"ms": [], "errors": []})
    lock = threading.Lock()
    sent = iter(range(sys.maxsize))  # next() on a shared iterator is atomic under the GIL
    start = time.perf_counter()
    deadline = start + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        # urllib3 rather than requests: a third of the CPU per request, which the
        # server shares on this machine.
        pool = urllib3.HTTPConnectionPool(
            "127.0.0.1", port, maxsize=1, retries=False, timeout=REQUEST_TIMEOUT
        )
        local: dict = defaultdict(lambda: {"ms": [], "errors": []})
        while True:
            scheduled = time.perf_counter() if rate is None else start + next(sent) / rate
            if scheduled >= deadline:
                break
            time.sleep(max(0.0, scheduled - time.perf_counter()))
            name, method, path, body = _request(rng, movie_ids)
            headers = _auth(rng.choice(tokens))
            if body is not None:
                headers["Content-Type"] = "application/json"
            try:
                response = pool.request(
                    method, path, body=None if body is None else json.dumps(body), headers=headers
                )
                failed = None if response.status < 400 else str(response.status)
            except urllib3.exceptions.HTTPError as exc:
                failed = type(exc).__name__
            local[name]["ms"].append(1000 * (time.perf_counter() - scheduled))
            if failed:
                local[name]["errors"].append(failed)
        pool.close()
        with lock:
            for name, values in local.items():
                samples[name]["ms"] += values["ms"]
                samples[name]["errors"] += values["errors"]

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - start


def _worker_memory(master: int) -> None:
    """Resident memory of each gunicorn worker after the run: every model, the catalogue
    copy and the list cache loaded, as a long-running worker holds them."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(
            int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])
        )
    print("worker resident memory: " + ", ".join(f"{kb / 1024:.0f} MB" for kb in sizes))


def _report(samples: dict, elapsed: float, *, check: bool) -> None:
    total = sum(len(s["ms"]) for s in samples.values())
    errors = sum(len(s["errors"]) for s in samples.values())
    print(f"{elapsed:.1f} s: {total} requests, {total / elapsed:.1f} req/s, {errors} errors")
    print(f"{'endpoint':<20} {'count':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7}  errors")
    p95 = {}
    for name in MIX:
        values = np.array(samples[name]["ms"])
        if not len(values):
            continue
        p50, p95[name], p99 = np.percentile(values, [50, 95, 99])
        failed = samples[name]["errors"]
        print(
            f"{name:<20} {len(values):6d} {len(values) / elapsed:7.1f} {p50:7.1f} "
            f"{p95[name]:7.1f} {p99:7.1f}  {len(failed)} {' '.join(sorted(set(failed)))}"
        )
    ratio = p95["recommendations"] / p95["genres (trivial)"]
    print(f"recommendations p95 / trivial p95: {ratio:.2f}")
    if not check:
        return
    results = {
        "recommendations p95 ms": p95["recommendations"],
        "throughput req/s": total / elapsed,
        "errors": errors,
    }
    for name, target in TARGETS.items():
        met = results[name] >= target if name.startswith("throughput") else results[name] <= target
        print(f"target {name}: {results[name]:.1f} vs {target} -> {'met' if met else 'MISSED'}")


def _scrape_cost(port: int) -> None:
    """Milliseconds per scrape of /metrics (loopback is open in development)."""
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, timeout=REQUEST_TIMEOUT)
    times = []
    for _ in range(SCRAPES):
        start = time.perf_counter()
        response = pool.request("GET", "/metrics")
        times.append(1000 * (time.perf_counter() - start))
        assert response.status == 200, response.status
    series = sum(1 for line in response.data.decode().splitlines() if not line.startswith("#"))
    print(f"/metrics: {series} series, median {np.median(times):.1f} ms per scrape")


# One recommendation request's writes (core.metrics) in multiprocess mode, timed in a fresh
# interpreter: the variable must be set before prometheus_client is imported.
_WRITES = """
import os, tempfile, timeit
files = tempfile.TemporaryDirectory(dir="/dev/shm")  # removed at exit
os.environ["PROMETHEUS_MULTIPROC_DIR"] = files.name
import django; django.setup()
from core import metrics

def one_request():
    method = metrics.http_request_started(method="GET")
    metrics.recommendation_cache_record(hit=True)
    metrics.recommendations_served_record(sources=["als"] * 6 + ["content"] * 3 + ["popularity"])
    metrics.http_request_finished(view="api:recommendations", method=method, status=200,
                                  seconds=0.004)

n = 20000
print(1e6 * min(timeit.repeat(one_request, number=n, repeat=5)) / n)
"""


def _write_cost() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _WRITES], cwd=settings.BASE_DIR, capture_output=True, text=True,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "movierec.settings"}, check=True,
    )  # fmt: skip
    print(f"metric writes of one recommendation request: {float(result.stdout):.1f} µs")
