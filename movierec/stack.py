"""Run web, Celery worker and Celery beat together for `make run`, with prefixed logs, and
restart whichever dies.

Children are started in their own sessions so one Ctrl-C is handled here, in
order: stop the children, then let the embedded Redis and PostgreSQL owners
(this process) shut those down at exit. PR_SET_PDEATHSIG makes the kernel stop a
child even if this process is killed outright, so nothing is ever orphaned.

A child that exits while the stack runs is restarted after a pause that doubles with
each crash in a row (a "fast" crash: within `fast_crash_seconds` of its start), and the
stack gives up, stopping everything, after `max_fast_crashes` of them: a child that
cannot start will not start by being retried forever. What a dead child left behind in
its session (gunicorn's workers, Celery's pool) is killed before its restart.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.worker_heartbeat import worker_heartbeat_drop

PR_SET_PDEATHSIG = 1
COLORS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m"]
RESET = "\033[0m"
GUNICORN_CONFIG = os.path.join(os.path.dirname(__file__), "gunicorn.conf.py")


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # Called when the process has died, before its restart (e.g. drop its heartbeat).
    on_death: Callable[[], None] | None = None


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    fast_crash_seconds: float = 30.0
    max_fast_crashes: int = 5


@dataclass
class _Child:
    spec: ProcessSpec
    index: int
    process: subprocess.Popen | None = None
    started: float = 0.0
    fast_crashes: int = 0
    restart_at: float | None = None


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _kill_session(pid: int) -> None:
    """Whatever is left of a child's session (its own processes run in it)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class Stack:
    def __init__(
        self,
        specs: list[ProcessSpec],
        *,
        out=sys.stdout,
        policy: RestartPolicy | None = None,
        on_restart: Callable[[str], None] | None = None,
    ) -> None:
        self.specs = specs
        self.out = out
        self.policy = policy or RestartPolicy()
        self.on_restart = on_restart
        self.children = {spec.name: _Child(spec, index) for index, spec in enumerate(specs)}
        self._print_lock = threading.Lock()
        self._stopping = threading.Event()
        self._width = max(len(spec.name) for spec in specs)
        self._color = out.isatty()

    @property
    def processes(self) -> dict[str, subprocess.Popen]:
        return {name: child.process for name, child in self.children.items() if child.process}

    def log(self, name: str, line: str, index: int = 0) -> None:
        prefix = f"{name:<{self._width}} | "
        if self._color:
            prefix = f"{COLORS[index % len(COLORS)]}{prefix}{RESET}"
        with self._print_lock:
            self.out.write(prefix + line.rstrip("\n") + "\n")
            self.out.flush()

    def start(self) -> None:
        for child in self.children.values():
            self._spawn(child)

    def _spawn(self, child: _Child) -> None:
        spec = child.spec
        child.process = subprocess.Popen(
            spec.argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            env=os.environ | {"PYTHONUNBUFFERED": "1"} | spec.env,
        )
        child.started, child.restart_at = time.monotonic(), None
        self.log("stack", f"{spec.name} started (pid {child.process.pid})")
        threading.Thread(
            target=self._pump, args=(spec.name, child.process, child.index), daemon=True
        ).start()

    def _pump(self, name: str, process: subprocess.Popen, index: int) -> None:
        for line in process.stdout:
            self.log(name, line, index)

    def wait(self) -> int:
        """Restart children that die until Ctrl-C/SIGTERM, or until one keeps crashing;
        then stop everything. 0 after a signal, 1 after giving up."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        exit_code = 0
        try:
            while not self._stopping.is_set():
                for child in self.children.values():
                    if not self._supervise(child):
                        exit_code = 1
                        self._stopping.set()
                        break
                self._stopping.wait(0.2)
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return exit_code

    def _supervise(self, child: _Child) -> bool:
        """Notice a death and restart when due; False to give up."""
        name, now = child.spec.name, time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                self._spawn(child)
            return True
        code = child.process.poll()
        if code is None:
            return True
        _kill_session(child.process.pid)
        if child.spec.on_death:
            child.spec.on_death()
        lived = now - child.started
        policy = self.policy
        child.fast_crashes = child.fast_crashes + 1 if lived < policy.fast_crash_seconds else 0
        if child.fast_crashes >= policy.max_fast_crashes:
            self.log(
                "stack",
                f"{name} {_exit_reason(code)}; it crashed {child.fast_crashes} times in a row "
                f"within {policy.fast_crash_seconds:.0f} s of starting, so the stack gives up "
                f"and stops (see {name}'s log above for why)",
            )
            return False
        delay = min(policy.max_delay, policy.first_delay * 2 ** max(0, child.fast_crashes - 1))
        self.log(
            "stack",
            f"{name} {_exit_reason(code)} after {lived:.1f} s; restarting it in {delay:.1f} s",
        )
        if self.on_restart:
            self.on_restart(name)
        child.restart_at = now + delay
        return True

    def _on_signal(self, signum, frame) -> None:
        self._stopping.set()

    def stop(self, timeout: float = 20) -> None:
        self.log("stack", "stopping…")
        running = [c.process for c in self.children.values() if c.process]
        for process in running:
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
            _kill_session(process.pid)
        self.log("stack", "all processes stopped")


def worker_name(port: int) -> str:
    """The Celery worker's node name, known here so that its heartbeat can be dropped the
    moment it dies (/healthz then says so while it restarts)."""
    return f"worker-{port}@{socket.gethostname()}"


def _worker_heartbeat_drop(name: str) -> None:
    worker_heartbeat_drop(url=os.environ["REDIS_URL"], name=name)


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
                # Workers and threads, and the hook that loads the models before each
                # worker takes requests.
                "--config",
                GUNICORN_CONFIG,
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
                # The default control socket is one per user: two stacks would share it.
                "--no-control-socket",
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
                "--hostname",
                worker_name(port),
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
            on_death=lambda: _worker_heartbeat_drop(worker_name(port)),
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
