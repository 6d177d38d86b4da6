"""A per-process cache that keeps values themselves, not pickled copies of them."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class ObjectCache(LocMemCache):
    """LocMemCache (expiry, LRU culling, a lock) without the pickling.

    Unpickling a cached recommendation list, with its Movie instances, took ~0.5 ms
    of the ~4 ms of CPU of a cached recommendation request (docs/benchmarks.md, "Load").
    The price: a value is shared by every reader in the process, so nobody may
    change it; recommendations.hybrid hands out copies of its movies.
    """

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            self._cache.move_to_end(key, last=False)
            return self._cache[key]

    def set(
        self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version=None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._set(key, value, timeout)

    def add(
        self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version=None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if not self._has_expired(key):
                return False
            self._set(key, value, timeout)
            return True

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            self._cache[key] += delta
            self._cache.move_to_end(key, last=False)
            return self._cache[key]
