"""Progress reporting for long services: a tqdm bar in commands, a Job row in Celery tasks.

Services accept any `Progress` and call `stage()` then `advance()`; they never
know which one they were given.
"""

from __future__ import annotations

import time
from typing import Protocol

from tqdm import tqdm


class Progress(Protocol):
    def stage(self, description: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class NullProgress:
    def stage(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class TqdmProgress:
    """One tqdm bar per stage, written to the command's stderr."""

    def __init__(self, *, file=None, disable: bool = False) -> None:
        self._file = file
        self._disable = disable
        self._bar: tqdm | None = None

    def stage(self, description: str, total: int | None = None) -> None:
        self.close()
        self._bar = tqdm(
            total=total,
            desc=description,
            unit="row",
            unit_scale=True,
            file=self._file,
            disable=self._disable,
            dynamic_ncols=True,
        )

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class JobProgress:
    """Mirrors progress onto a jobs.Job row, throttled so it costs nothing."""

    MIN_INTERVAL_SECONDS = 1.0

    def __init__(self, job) -> None:
        self.job = job
        self._last_write = 0.0

    def stage(self, description: str, total: int | None = None) -> None:
        self.job.description = description
        self.job.progress_total = total
        self.job.progress_done = 0
        self._write(force=True)

    def advance(self, n: int = 1) -> None:
        self.job.progress_done += n
        self._write()

    def close(self) -> None:
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < self.MIN_INTERVAL_SECONDS:
            return
        self._last_write = now
        type(self.job).objects.filter(pk=self.job.pk).update(
            description=self.job.description,
            progress_total=self.job.progress_total,
            progress_done=self.job.progress_done,
        )
