"""Data built from the database once per process and shared by its request threads."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessCopy(Generic[T]):
    """The value `build()` returns, kept until the version it was built for moves
    or it is older than `max_age` seconds.

    Callers read the current version with a cheap query first; the copy is rebuilt
    once per change, even when several threads notice it at the same time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (version, time.monotonic() when built, value)
        self._entry: tuple[Hashable, float, T] | None = None

    def get(self, version: Hashable, build: Callable[[], T], *, max_age: float = math.inf) -> T:
        def fresh(entry: tuple[Hashable, float, T] | None) -> bool:
            return (
                entry is not None and entry[0] == version and time.monotonic() - entry[1] < max_age
            )

        entry = self._entry
        if fresh(entry):
            return entry[2]
        with self._lock:
            if not fresh(self._entry):
                self._entry = (version, time.monotonic(), build())
            return self._entry[2]
