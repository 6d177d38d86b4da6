"""The directory of the per-process metric files (PROMETHEUS_MULTIPROC_DIR, core.metrics).

The process that forks the others (the gunicorn master, the Celery worker's main
process) empties it when it starts: files left by an earlier run would be added to
this one's counts. Nothing from prometheus_client is imported at module level, since
the variable must be set before that package is first imported.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
# A tmpfs when there is one: the files are written on every request.
_PRIVATE_PARENT = "/dev/shm"


def metrics_dir_prepare(*, private_if_unset: bool) -> tuple[Path | None, bool]:
    """Empty PROMETHEUS_MULTIPROC_DIR (creating it), for the processes forked after this.

    When it is unset and `private_if_unset`, a fresh directory is made and exported to the
    children. Returns (the directory or None, whether this call made it).
    """
    configured = os.environ.get(ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        # Only prometheus-client's files: the directory may hold other things.
        for stale in path.glob("*.db"):
            stale.unlink(missing_ok=True)
        return path, False
    if not private_if_unset:
        return None, False
    parent = _PRIVATE_PARENT if os.access(_PRIVATE_PARENT, os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="movierec-metrics-", dir=parent))
    os.environ[ENV] = str(path)
    return path, True


def metrics_process_dead(pid: int) -> None:
    """Drop a dead process's live gauges (requests in progress); its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
