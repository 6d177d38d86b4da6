"""HTTP load on the JSON API through gunicorn, driven by wrk: `python -m bench load`.

Works in its own database `movierec_bench_load` on the same server, kept between runs
(ml-latest-small imported, embedded with the vector cache of `bench hnsw`, 200 API users
with tokens and ratings, and a small social network from `bench social`'s builder, whose
people the API users follow; a model trained when nothing serves or the network is new),
then starts gunicorn on a free loopback port with movierec/gunicorn.conf.py (its workers
and threads) and measures:

1. Paced phases at 80, 160 and 320 requests/s, then flat out, for two mixes: the API mix
   of the earlier runs ("api"), and the same with the feed and a film's reviews taking a
   tenth of the recommendations' share ("social"). wrk (bench/load.lua) sends each
   request on a fixed schedule and measures latency from the scheduled time, so waiting
   for a free connection counts (no coordinated omission).
2. Server CPU per request of each endpoint alone, flat out: the gunicorn workers' CPU
   clocks (utime + stime in /proc/<pid>/stat) before and after, divided by the requests
   served, and the same for PostgreSQL's processes. Beside the endpoints, a bare Django
   view (bench/server/load_wsgi.py: no middleware, no authentication, no database) in the
   same workers of the same run: ratios to it hold on a noisy machine, absolute times not.

wrk is a C program whose CPU per request is a fraction of a Python client's, which
matters here: it shares the machine's cores with the server (its CPU is reported too).

BENCH_LOAD_AGAINST=<checkout> runs the API mix's phases and the CPU phases of the API
endpoints against that checkout too, side by side in the same run (its phases alternate
with this checkout's, so both see the same machine): it gets its own database
(`movierec_bench_load_against`, prepared by that checkout's own bench), its own Redis
database and port, and is served by that checkout's gunicorn with its own layout
(2 workers x 4 threads, as `make run` had it before the layout moved into the config).
git worktree add --detach /work/wt-base b5c3bcb and a .venv symlink make one.

Only 127.0.0.1 is contacted; every request has a timeout and each phase a fixed length.
BENCH_LOAD_SECONDS sets the paced and flat-out phases' length (default 20 s);
BENCH_LOAD_METRICS=off serves without the metrics (on by default, as in production).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import socket
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import urllib3
from django.conf import settings
from django.db import connection

from accounts.models import User
from accounts.services import api_token_create, api_token_revoke_all
from bench._db import bench_database, database_url, ensure_movielens
from bench.bench_hnsw import embed_catalogue
from bench.bench_social import PREFIX as SOCIAL_PREFIX
from bench.bench_social import network_build
from catalog.models import Movie
from jobs.progress import NullProgress
from movierec.embedded import data_dir
from ratings.models import Rating
from ratings.services import rating_upsert
from recommendations.selectors import training_run_serving_id
from recommendations.training import training_run_train
from social.models import Follow, Review

DATABASE = "movierec_bench_load"
AGAINST_DATABASE = "movierec_bench_load_against"
DATASET = Path(settings.BASE_DIR).parent / "shared" / "data" / "movielens" / "ml-latest-small"
API_USERS = 200
RATINGS_PER_USER = 20
# The social network of the mix: small (built in seconds), each API user following
# FOLLOWED of its people, so their feeds and "from people you follow" have rows.
NETWORK = {"people": 2_000, "follows": 20_000, "diary": 60_000, "reviews": 12_000,
           "lists": 2_000, "blocks": 200}  # fmt: skip
FOLLOWED = 30
CONNECTIONS = 32  # wrk connections (one thread each) in the mix phases
CPU_CONNECTIONS = 8  # per-endpoint phases: as many as the server's threads
RATES = (80, 160, 320)
PHASE_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", 20))
CPU_SECONDS = 8.0
WARMUP_SECONDS = 5.0
REQUEST_TIMEOUT = "10s"
REQUESTS_PER_FILE = 40_000
# The layout the compared checkout's `make run` used (b5c3bcb's movierec/stack.py).
AGAINST_LAYOUT = ("--workers", "2", "--threads", "4")
LUA = Path(__file__).with_name("load.lua")
SERVER_PATH = Path(__file__).with_name("server")
# Share of requests per endpoint. "genres" is the trivial endpoint (the token, one
# small query); "bare" is only measured alone.
API_MIX = {"recommendations": 70, "movie_detail": 7.5, "similar": 7.5, "rating_put": 10,
           "search": 5, "genres": 5}  # fmt: skip
SOCIAL_MIX = API_MIX | {"recommendations": 60, "feed": 5, "reviews": 5}
SOCIAL_ENDPOINTS = {"feed", "reviews"}
SEARCHES = ["godfather", "space adventure", "toy story", "heist", "romantic comedy in paris",
            "alien invasion", "jane austen", "batman", "zombies", "time travel"]  # fmt: skip
# (rate, {what: limit}); checked for the social mix, the one the site serves now.
TARGETS = {
    160: {"recommendations p95 ms": 50.0, "errors": 0},
    320: {"recommendations p95 ms": 100.0, "errors": 0},
}
CAPACITY_TARGET = 150.0  # req/s of the social mix flat out
CPU_TARGETS = {"genres": 2.0, "recommendations": 3.0}  # x the bare view's CPU per request
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


@dataclass
class Stack:
    """One checkout's gunicorn and what its requests need."""

    name: str
    checkout: Path
    database: str
    redis_url: str
    tokens: list[str]
    movie_ids: list[int]
    reviewed_ids: list[int] = field(default_factory=list)
    layout: tuple[str, ...] = ()
    port: int = 0
    server: subprocess.Popen | None = None

    @property
    def social(self) -> bool:
        return bool(self.reviewed_ids)


@dataclass
class Phase:
    seconds: float
    ms: dict[str, list[float]]
    errors: dict[str, list[str]]
    socket_errors: int
    server_cpu_ms: float
    database_cpu_ms: float
    client_cpu_ms: float

    @property
    def served(self) -> int:
        return sum(len(values) for values in self.ms.values())

    @property
    def error_count(self) -> int:
        return self.socket_errors + sum(len(values) for values in self.errors.values())


def main() -> None:
    if not (DATASET / "ratings.csv").is_file():
        print(f"skipped: {DATASET} is missing")
        return
    if shutil.which("wrk") is None:
        raise SystemExit("bench load needs wrk, the HTTP load generator: apt-get install wrk")
    against = os.environ.get("BENCH_LOAD_AGAINST")
    print(f"load average at start: {_loadavg()}", flush=True)
    with bench_database(DATABASE):
        stacks = [_prepare()]
    if against:
        stacks.append(_prepare_against(Path(against).resolve()))
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        for stack in stacks:
            _start(stack)
        for stack in stacks:
            _wait_until_up(stack)
        _run(stacks, work)
    finally:
        for stack in stacks:
            _stop(stack)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average at end: {_loadavg()}")


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


# --- Preparing the databases -----------------------------------------------------------


def _prepare() -> Stack:
    ensure_movielens(DATASET, at_least=9_000)
    embed_catalogue()
    users = _api_users()
    built = _social_network(users)
    with connection.cursor() as cursor:
        # Fresh bulk loads have no planner statistics yet; autovacuum would add them later.
        cursor.execute("ANALYZE")
    # The model serving is what matters here, not how fresh it is: a run trains only when
    # nothing serves or the network's ratings are new (training takes minutes).
    if built or training_run_serving_id() is None:
        start = time.perf_counter()
        run = training_run_train(progress=NullProgress())
        print(
            f"trained model v{run.pk}: {run.user_count} users x {run.item_count} movies, "
            f"{run.rating_count} ratings in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
    return Stack(
        name="this",
        checkout=Path(settings.BASE_DIR),
        database=DATABASE,
        redis_url=settings.REDIS_URL,
        tokens=[_fresh_token(user) for user in users],
        movie_ids=list(Movie.objects.filter(rating_count__gte=5).values_list("pk", flat=True)),
        reviewed_ids=list(Review.objects.values_list("movie_id", flat=True).distinct()[:2_000]),
    )


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


def _social_network(users: list[User]) -> bool:
    """`bench social`'s network at NETWORK's size, each API user following FOLLOWED of it;
    whether it was built now."""
    if User.objects.filter(username__startswith=SOCIAL_PREFIX).exists():
        return False
    network_build(sizes=NETWORK)
    rng = random.Random(1)
    people = list(
        User.objects.filter(username__startswith=SOCIAL_PREFIX).values_list("pk", flat=True)
    )
    Follow.objects.bulk_create(
        Follow(follower=user, followee_id=followee)
        for user in users
        for followee in rng.sample(people, FOLLOWED)
    )
    return True


# The compared checkout prepares its own database with its own bench (its schema and its
# models), and hands back its users' tokens and its movies. Any checkout since b5c3bcb.
_AGAINST_PREPARE = """
import json, os
import django
django.setup()
from bench import bench_load
from bench._db import bench_database
bench_load.DATABASE = os.environ["BENCH_LOAD_DATABASE"]
with bench_database(bench_load.DATABASE):
    prepared = bench_load._prepare()
# A tuple before this bench (b5c3bcb), a Stack since.
tokens, movie_ids = (
    (prepared.tokens, prepared.movie_ids) if hasattr(prepared, "tokens") else prepared
)
print("PREPARED " + json.dumps({"tokens": tokens, "movie_ids": movie_ids}))
"""


def _prepare_against(checkout: Path) -> Stack:
    if not (checkout / "manage.py").is_file() or not (checkout / ".venv").exists():
        raise SystemExit(f"BENCH_LOAD_AGAINST={checkout}: expected a checkout with a .venv")
    print(f"\npreparing {checkout} in database {AGAINST_DATABASE} ...", flush=True)
    stack = Stack(
        name="against",
        checkout=checkout,
        database=AGAINST_DATABASE,
        redis_url=_other_redis_database(settings.REDIS_URL),
        tokens=[],
        movie_ids=[],
        layout=AGAINST_LAYOUT,
    )
    result = subprocess.run(
        [str(checkout / ".venv" / "bin" / "python"), "-c", _AGAINST_PREPARE],
        cwd=checkout, env=_env(stack) | {"BENCH_LOAD_DATABASE": AGAINST_DATABASE},
        stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    line = next(line for line in result.stdout.splitlines() if line.startswith("PREPARED "))
    prepared = json.loads(line.removeprefix("PREPARED "))
    stack.tokens, stack.movie_ids = prepared["tokens"], prepared["movie_ids"]
    return stack


def _other_redis_database(url: str) -> str:
    """The same Redis server, database 1 more: the throttle counters of the two stacks'
    users (both numbered from 1) must not add up."""
    base, _, number = url.rpartition("/")
    return f"{base}/{int(number or 0) + 1}"


# --- The servers -----------------------------------------------------------------------


def _env(stack: Stack) -> dict[str, str]:
    # Unset, gunicorn.conf.py gives the workers a fresh directory on /dev/shm, as in production.
    base = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    return base | {
        "DJANGO_SETTINGS_MODULE": "movierec.settings",
        "DATABASE_URL": database_url(stack.database),
        "REDIS_URL": stack.redis_url,
        # The vector cache and the exported embedding model of this checkout's data dir.
        "MOVIEREC_DATA_DIR": str(data_dir()),
        # On, as in production; BENCH_LOAD_METRICS=off measures the server without them.
        "METRICS_ENABLED": "false" if os.environ.get("BENCH_LOAD_METRICS") == "off" else "true",
        # High enough never to answer 429: the benchmark measures serving, not throttling.
        "API_THROTTLE_USER": "1000000/minute",
        # DEBUG keeps every SQL statement in memory; production runs without it.
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }


def _start(stack: Stack) -> None:
    stack.port = _free_port()
    argv = [str(stack.checkout / ".venv" / "bin" / "python"), "-m", "gunicorn",
            "load_wsgi:application", "--pythonpath", str(SERVER_PATH),
            "--config", str(stack.checkout / "movierec" / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{stack.port}", *stack.layout, "--graceful-timeout", "5",
            # The default control socket is one per user: it would clash with `make run`.
            "--no-control-socket"]  # fmt: skip
    print(f"gunicorn of {stack.name} ({stack.checkout}) on 127.0.0.1:{stack.port}", flush=True)
    stack.server = subprocess.Popen(argv, env=_env(stack), cwd=stack.checkout)


def _stop(stack: Stack) -> None:
    if stack.server is None:
        return
    stack.server.terminate()
    try:
        stack.server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        stack.server.kill()
        stack.server.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(stack: Stack) -> None:
    deadline = time.monotonic() + 300  # the workers load torch and the models first
    while time.monotonic() < deadline:
        if stack.server.poll() is not None:
            raise RuntimeError(f"gunicorn of {stack.name} exited with {stack.server.returncode}")
        try:
            response = urllib3.request(
                "GET", f"http://127.0.0.1:{stack.port}/api/v1/genres/",
                headers={"Authorization": f"Token {stack.tokens[0]}"}, timeout=5, retries=False,
            )  # fmt: skip
            if response.status == 200:
                return
        except urllib3.exceptions.HTTPError:  # refused, or accepted while the workers boot
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn of {stack.name} did not answer within 300 s")


def _workers(stack: Stack) -> list[int]:
    master = stack.server.pid
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _cpu_ms(pids: list[int]) -> dict[int, float]:
    """CPU time used so far by each of `pids` (all its threads), in milliseconds."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:  # a backend that has exited since it was listed
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) * TICK_MS  # utime, stime
    return used


def _cpu_since(before: dict[int, float], pids: list[int]) -> float:
    """CPU used by `pids` since `before` (a process new since then, all of its own)."""
    return sum(ms - before.get(pid, 0.0) for pid, ms in _cpu_ms(pids).items())


def _database_pids() -> list[int]:
    """The PostgreSQL server's processes: the postmaster and its children (backends)."""
    postmaster = int((data_dir() / "pg" / "postmaster.pid").read_text().split()[0])
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return [postmaster, *map(int, children)]


def _worker_memory(stack: Stack) -> str:
    sizes = []
    for pid in _workers(stack):
        status = Path(f"/proc/{pid}/status").read_text()
        kb = int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])
        sizes.append(f"{kb / 1024:.0f} MB")
    return ", ".join(sizes)


# --- The load --------------------------------------------------------------------------


def _requests_file(stack: Stack, mix: dict[str, float], work: Path, seed: int) -> Path:
    """REQUESTS_PER_FILE requests drawn from `mix`, as bench/load.lua reads them."""
    rng = random.Random(seed)
    names, weights = list(mix), list(mix.values())
    path = work / f"{stack.name}-{seed}-{'-'.join(names)}.tsv"
    with path.open("w") as out:
        for name in rng.choices(names, weights=weights, k=REQUESTS_PER_FILE):
            method, target, body = _request(name, stack, rng)
            out.write(f"{name}\t{method}\t{target}\t{rng.choice(stack.tokens)}\t{body}\n")
    return path


def _request(name: str, stack: Stack, rng: random.Random) -> tuple[str, str, str]:
    """(method, path, JSON body or "-") of one request to `name`."""
    movie = rng.choice(stack.movie_ids)
    paths = {
        "bare": "/bare/",
        "genres": "/api/v1/genres/",
        "recommendations": "/api/v1/recommendations/?k=10",
        "movie_detail": f"/api/v1/movies/{movie}/",
        "similar": f"/api/v1/movies/{movie}/similar/",
        "search": f"/api/v1/movies/?q={rng.choice(SEARCHES).replace(' ', '+')}",
        "feed": "/api/v1/feed/",
    }
    if name == "rating_put":
        return (
            "PUT",
            f"/api/v1/movies/{movie}/rating/",
            json.dumps({"score": rng.randint(1, 10) / 2}),
        )
    if name == "reviews":
        return "GET", f"/api/v1/movies/{rng.choice(stack.reviewed_ids)}/reviews/section/", "-"
    return "GET", paths[name], "-"


def _wrk(stack: Stack, requests: Path, *, rate: float, seconds: float, connections: int) -> Phase:
    """One phase: wrk against `stack` for `seconds`, with the server's and the database's
    CPU read before and after."""
    workers = _workers(stack)
    server_before, database_before = _cpu_ms(workers), _cpu_ms(_database_pids())
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds:g}s",
         "--timeout", REQUEST_TIMEOUT, "-s", str(LUA), f"http://127.0.0.1:{stack.port}",
         "--", str(requests), str(rate), str(connections)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ms: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    socket_errors = 0
    for line in result.stdout.splitlines():
        kind, *values = line.split()
        if kind == "sample":
            name, elapsed, status = values
            ms[name].append(float(elapsed))
            if int(status) >= 400:
                errors[name].append(status)
        elif kind == "socket-errors":
            socket_errors = sum(map(int, values))
    client = (client_after.ru_utime + client_after.ru_stime) - (
        client_before.ru_utime + client_before.ru_stime
    )
    return Phase(
        seconds=seconds,
        ms=ms,
        errors=errors,
        socket_errors=socket_errors,
        server_cpu_ms=_cpu_since(server_before, workers),
        database_cpu_ms=_cpu_since(database_before, _database_pids()),
        client_cpu_ms=1000 * client,
    )


def _run(stacks: list[Stack], work: Path) -> None:
    api = {stack.name: _requests_file(stack, API_MIX, work, seed=1) for stack in stacks}
    social = _requests_file(stacks[0], SOCIAL_MIX, work, seed=2)
    for stack in stacks:  # connections, caches, every user's first list
        _wrk(stack, api[stack.name], rate=0, seconds=WARMUP_SECONDS, connections=CONNECTIONS)
    capacity: dict[str, float] = {}
    for rate in (*RATES, 0):
        for stack in stacks:
            phase = _wrk(stack, api[stack.name], rate=rate, seconds=PHASE_SECONDS,
                         connections=CONNECTIONS)  # fmt: skip
            _report(f"{stack.name}, api mix, {_rate_name(rate)}", phase, API_MIX)
            if rate == 0:
                capacity[stack.name] = phase.served / phase.seconds
    if len(capacity) == 2:
        print(
            f"\ncapacity, api mix: this {capacity['this']:.1f} req/s, against "
            f"{capacity['against']:.1f} req/s: {capacity['this'] / capacity['against']:.2f}x"
        )
    for rate in (*RATES, 0):
        phase = _wrk(stacks[0], social, rate=rate, seconds=PHASE_SECONDS, connections=CONNECTIONS)
        _report(f"this, social mix, {_rate_name(rate)}", phase, SOCIAL_MIX)
        _check(rate, phase)
    _cpu_per_endpoint(stacks, work)
    for stack in stacks:
        print(f"worker resident memory of {stack.name}: {_worker_memory(stack)}")


def _warm_lists(stack: Stack, passes: int = 4) -> None:
    """Every user's list computed in each worker (per-process caches; a new connection per
    request lets either worker take it, so a few passes reach both), so that the phase
    measures cached lists, which the mix's rating PUTs made stale."""
    for _ in range(passes):
        for token in stack.tokens:
            urllib3.request(
                "GET", f"http://127.0.0.1:{stack.port}/api/v1/recommendations/?k=10",
                headers={"Authorization": f"Token {token}", "Connection": "close"},
                timeout=30.0, retries=False,
            )  # fmt: skip


def _rate_name(rate: float) -> str:
    return f"paced {rate} req/s" if rate else "flat out"


def _report(title: str, phase: Phase, mix: dict[str, float]) -> None:
    served = phase.served
    per = max(served, 1)
    print(
        f"\n{title}: {served / phase.seconds:.1f} req/s served, {phase.error_count} errors "
        f"({phase.socket_errors} socket); per request: server CPU "
        f"{phase.server_cpu_ms / per:.2f} ms, database {phase.database_cpu_ms / per:.2f} ms, "
        f"wrk {phase.client_cpu_ms / per:.2f} ms"
    )
    print(f"{'endpoint':<16} {'count':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7}  errors")
    for name in mix:
        values = np.array(phase.ms.get(name, []))
        if not len(values):
            continue
        p50, p95, p99 = np.percentile(values, [50, 95, 99])
        failed = phase.errors.get(name, [])
        print(
            f"{name:<16} {len(values):6d} {len(values) / phase.seconds:7.1f} {p50:7.1f} "
            f"{p95:7.1f} {p99:7.1f}  {len(failed)} {' '.join(sorted(set(failed)))}"
        )


def _check(rate: float, phase: Phase) -> None:
    if rate == 0:
        served = phase.served / phase.seconds
        verdict = "met" if served >= CAPACITY_TARGET and phase.error_count == 0 else "MISSED"
        print(f"target flat out >= {CAPACITY_TARGET:g} req/s, 0 errors: {served:.1f} -> {verdict}")
        return
    if rate not in TARGETS:
        return
    results = {
        "recommendations p95 ms": float(np.percentile(phase.ms["recommendations"], 95)),
        "errors": phase.error_count,
    }
    for name, limit in TARGETS[rate].items():
        verdict = "met" if results[name] <= limit else "MISSED"
        print(f"target at {rate} req/s, {name} <= {limit:g}: {results[name]:.1f} -> {verdict}")


def _cpu_per_endpoint(stacks: list[Stack], work: Path) -> None:
    """Each endpoint alone, flat out, on each stack in turn: server and database CPU per
    request, and the server's as a multiple of the bare view's in the same run."""
    names = ["bare", "genres", "recommendations", "movie_detail", "similar", "search",
             "rating_put", "feed", "reviews"]  # fmt: skip
    print(
        f"\nCPU per request, each endpoint alone, flat out from {CPU_CONNECTIONS} connections "
        f"for {CPU_SECONDS:g} s (recommendations: cached lists)"
    )
    print(f"{'stack':<8} {'endpoint':<16} {'req/s':>7} {'server ms':>9} {'x bare':>7} {'db ms':>6}")
    bare: dict[str, float] = {}
    for name in names:
        for stack in stacks:
            if name in SOCIAL_ENDPOINTS and not stack.social:
                continue
            requests = _requests_file(stack, {name: 1}, work, seed=3)
            if name == "recommendations":
                _warm_lists(stack)
            phase = _wrk(stack, requests, rate=0, seconds=CPU_SECONDS, connections=CPU_CONNECTIONS)
            served = max(phase.served, 1)
            server = phase.server_cpu_ms / served
            bare.setdefault(stack.name, server)
            ratio = server / bare[stack.name]
            target = CPU_TARGETS.get(name) if stack.name == "this" else None
            verdict = (
                f"  target <= {target:g}x: {'met' if ratio <= target else 'MISSED'}"
                if target
                else ""
            )
            print(
                f"{stack.name:<8} {name:<16} {served / phase.seconds:7.1f} {server:9.2f} "
                f"{ratio:7.2f} {phase.database_cpu_ms / served:6.2f}"
                f"{f'  {phase.error_count} errors' if phase.error_count else ''}{verdict}",
                flush=True,
            )
