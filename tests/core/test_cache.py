"""ObjectCache: LocMemCache's behaviour, with the values themselves kept."""

from __future__ import annotations

import pytest

from core.cache import ObjectCache


@pytest.fixture
def cache() -> ObjectCache:
    return ObjectCache("test-object-cache", {"TIMEOUT": 60, "OPTIONS": {"MAX_ENTRIES": 3}})


def test_values_are_kept_as_they_are_not_copied(cache):
    value = {"picks": [1, 2, 3]}
    cache.set("list", value)

    assert cache.get("list") is value
    assert cache.get("missing", "default") == "default"


def test_an_expired_value_is_gone(cache):
    cache.set("list", [1], timeout=0)  # Django's "expire at once"

    assert cache.get("list") is None
    assert cache.add("list", [2]) is True
    assert cache.get("list") == [2]


def test_add_only_stores_a_missing_key(cache):
    first, second = object(), object()

    assert cache.add("key", first) is True
    assert cache.add("key", second) is False
    assert cache.get("key") is first


def test_incr_and_decr_work_on_plain_numbers(cache):
    cache.set("count", 1)

    assert cache.incr("count", 4) == 5
    assert cache.decr("count") == 4
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")


def test_the_least_recently_used_entries_are_culled_past_max_entries(cache):
    for key in ("a", "b", "c"):
        cache.set(key, key)
    cache.get("a")  # used: "b" is now the least recent
    cache.set("d", "d")

    assert [cache.get(key) for key in ("a", "b", "c", "d")] == ["a", None, "c", "d"]
