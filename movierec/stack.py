"""Run web, Celery worker and Celery beat together for `make run`, with prefixed logs.

Children are started in their own sessions so one Ctrl-C is handled here, in
order: stop the children, then let the embedded Redis and PostgreSQL owners
(this process) shut those down at exit. PR_SET_PDEATHSIG makes the kernel stop a
child even if this process is killed outright, so nothing is ever orphaned.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

PR_SET_PDEATHSIG = 1
COLORS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m"]
RESET = "\033[0m"
GUNICORN_CONFIG = os.path.join(os.path.dirname(__file__), "gunicorn.conf.py")


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Stack:
    def __init__(self, specs: list[ProcessSpec], *, out=sys.stdout) -> None:
        self.specs = specs
        self.out = out
        self.processes: dict[str, subprocess.Popen] = {}
        self._print_lock = threading.Lock()
        self._stopping = threading.Event()
        self._width = max(len(spec.name) for spec in specs)
        self._color = out.isatty()

    def log(self, name: str, line: str, index: int = 0) -> None:
        prefix = f"{name:<{self._width}} | "
        if self._color:
            prefix = f"{COLORS[index % len(COLORS)]}{prefix}{RESET}"
        with self._print_lock:
            self.out.write(prefix + line.rstrip("\n") + "\n")
            self.out.flush()

    def start(self) -> None:
        for index, spec in enumerate(self.specs):
            process = subprocess.Popen(
                spec.argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
                start_new_session=True,
                preexec_fn=_die_with_parent,
                env=os.environ | {"PYTHONUNBUFFERED": "1"} | spec.env,
            )
            self.processes[spec.name] = process
            threading.Thread(
                target=self._pump, args=(spec.name, process, index), daemon=True
            ).start()

    def _pump(self, name: str, process: subprocess.Popen, index: int) -> None:
        for line in process.stdout:
            self.log(name, line, index)

    def wait(self) -> int:
        """Block until Ctrl-C/SIGTERM or until a child dies; then stop everything."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        exit_code = 0
        try:
            while not self._stopping.is_set():
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        self.log("stack", f"{name} exited with code {process.returncode}; stopping")
                        exit_code = process.returncode or 1
                        self._stopping.set()
                        break
                self._stopping.wait(0.5)
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return exit_code

    def _on_signal(self, signum, frame) -> None:
        self._stopping.set()

    def stop(self, timeout: float = 20) -> None:
        self.log("stack", "stopping…")
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + timeout
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log("stack", f"{name} did not stop in {timeout:.0f}s; killing it")
                process.kill()
                process.wait()
        self.log("stack", "all processes stopped")


def default_specs(*, port: int, worker_concurrency: int) -> list[ProcessSpec]:
    """gunicorn on `port` (its /metrics covers its workers) and the Celery worker with its
    metrics on `port` + 1 (docs/operations.md)."""
    python = sys.executable
    data_dir = os.environ.get("MOVIEREC_DATA_DIR", ".data")
    schedule = os.path.join(data_dir, "celerybeat-schedule")
    return [
        ProcessSpec(
            "web",
            [
                python,
                "-m",
                "gunicorn",
                "movierec.wsgi:application",
                # Hooks only: loads the models before each worker takes requests.
                "--config",
                GUNICORN_CONFIG,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ],
        ),
        ProcessSpec(
            "worker",
            [
                python,
                "-m",
                "celery",
                "-A",
                "movierec.celery",
                "worker",
                "-l",
                "INFO",
                "--concurrency",
                str(worker_concurrency),
            ],
            env={
                # SIGTERM becomes Celery's soft shutdown: running tasks get
                # CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT seconds, then are requeued (late acks).
                "REMAP_SIGTERM": "SIGQUIT",
                # Its own directory: the web's is gunicorn's, emptied at each start.
                "PROMETHEUS_MULTIPROC_DIR": os.path.abspath(
                    os.path.join(data_dir, "metrics-worker")
                ),
                "WORKER_METRICS_ADDRESS": f"127.0.0.1:{port + 1}",
            },
        ),
        ProcessSpec(
            "beat",
            [
                python,
                "-m",
                "celery",
                "-A",
                "movierec.celery",
                "beat",
                "-l",
                "INFO",
                "--schedule",
                schedule,
            ],
        ),
    ]
