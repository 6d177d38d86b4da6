"""gunicorn with movierec/gunicorn.conf.py: /metrics adds up every worker (core.metrics)."""

import os
import re
import runpy
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import urllib3
from prometheus_client.parser import text_string_to_metric_families

from movierec.stack import GUNICORN_CONFIG
from tests.conftest import _test_database_url
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
HOME_LABELS = (("method", "GET"), ("status", "200"), ("view", "pages:home"))
HOME = ("movierec_http_requests_total", HOME_LABELS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float = 10) -> urllib3.BaseHTTPResponse:
    # A new connection each time, so that either worker may accept it.
    return urllib3.request(
        "GET", f"http://127.0.0.1:{port}{path}", timeout=timeout, retries=False,
        headers={"Connection": "close"},
    )  # fmt: skip


def _scrape(port: int) -> dict[tuple[str, tuple], float]:
    response = _get(port, "/metrics")
    assert response.status == 200, response.data
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.data.decode())
        for s in family.samples
    }


def _workers(master: int) -> list[int]:
    """The gunicorn master's child processes: its workers."""
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def _gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen:
    argv = [sys.executable, "-m", "gunicorn", "movierec.wsgi:application", "--config",
            GUNICORN_CONFIG, "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "2",
            "--no-control-socket", "--log-level", "info"]  # fmt: skip
    base = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    return subprocess.Popen(
        argv,
        cwd=ROOT,
        env=base | {"DATABASE_URL": _test_database_url(), "DEBUG": "false"} | env,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_up(port: int, server: subprocess.Popen) -> None:
    """Until the home page answers (that answer is counted)."""

    def answers() -> bool:
        assert server.poll() is None, server.stderr.read()
        try:
            # Generous: a first request that timed out here would still be served and
            # counted by the server, and the retry would be counted again.
            return _get(port, "/", timeout=120).status == 200
        except urllib3.exceptions.HTTPError:
            return False

    # Each worker loads the embedding model first.
    wait_until(answers, "gunicorn to answer", timeout=180, interval=0.5)


def _stop(server: subprocess.Popen) -> str:
    server.terminate()
    try:
        _, stderr = server.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        _, stderr = server.communicate()
    return stderr


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_metrics_add_up_every_worker_and_outlive_a_dead_one(tmp_path):
    (tmp_path / "counter_99999.db").write_bytes(b"left by an earlier run")
    port = _free_port()
    server = _gunicorn(port, {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    try:
        _wait_up(port, server)
        assert not (tmp_path / "counter_99999.db").exists()
        sent = 0
        # Until both workers have served (each writes its own file), at most 400 requests.
        while len(list(tmp_path.glob("counter_*.db"))) < 2 and sent < 400:
            assert _get(port, "/").status == 200
            sent += 1
        pids = {int(re.search(r"_(\d+)\.db$", p.name)[1]) for p in tmp_path.glob("counter_*.db")}
        assert len(pids) == 2, "one worker served every request"
        served = _scrape(port)[HOME]
        assert served == sent + 1  # and the one of _wait_up

        killed = pids.pop()
        os.kill(killed, signal.SIGKILL)
        wait_until(
            lambda: killed not in (workers := _workers(server.pid)) and len(workers) == 2,
            "gunicorn to replace the killed worker",
        )
        assert _get(port, "/").status == 200
        assert _scrape(port)[HOME] == served + 1
    finally:
        _stop(server)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_without_a_directory_gunicorn_makes_a_private_one_and_removes_it():
    port = _free_port()
    server = _gunicorn(port, {})
    try:
        _wait_up(port, server)
        for _ in range(6):
            _get(port, "/")
        assert _scrape(port)[HOME] >= 6
    finally:
        stderr = _stop(server)
    directory = Path(re.search(r"Metrics files of the workers: (\S+)", stderr)[1])
    assert directory.name.startswith("movierec-metrics-")
    assert not directory.exists()


def _layout(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(GUNICORN_CONFIG)


def test_the_layout_comes_from_the_config_with_its_variables(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    default = runpy.run_path(GUNICORN_CONFIG)
    assert (default["worker_class"], default["workers"], default["threads"]) == ("gthread", 2, 4)
    chosen = _layout(monkeypatch, WEB_CONCURRENCY="3", WEB_THREADS="2")
    assert (chosen["workers"], chosen["threads"]) == (3, 2)


@pytest.mark.parametrize("value", ["0", "two", "-1", ""])
def test_a_bad_layout_stops_gunicorn_with_the_variable_named(monkeypatch, value):
    with pytest.raises(SystemExit, match="WEB_THREADS"):
        _layout(monkeypatch, WEB_THREADS=value)
