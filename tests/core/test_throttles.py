"""core.api_policies' throttle counting, against the real Redis of the test run at chosen
instants: two fixed-window counters make a sliding window, in one round trip."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redis
from django.core.cache import caches
from django.test import RequestFactory

from core.api_policies import ScopedThrottle

VIEW = SimpleNamespace(throttle_scope="token")
# The start of a one-minute window (a multiple of 60 seconds since the epoch).
START = 28_333_334 * 60.0


@pytest.fixture
def request_from():
    def build(address: str = "198.51.100.7"):
        request = RequestFactory().post("/accounts/signup/", REMOTE_ADDR=address)
        request.user = SimpleNamespace(is_authenticated=False)
        return request

    return build


@pytest.fixture
def four_a_minute(throttle_rates):
    throttle_rates(token="4/minute")


def check(request, *, at: float) -> float | None:
    """None when the request at `at` (seconds since the epoch) is let through, else the
    throttle's wait in seconds."""
    throttle = ScopedThrottle()
    throttle.timer = lambda: at
    return None if throttle.allow_request(request, VIEW) else throttle.wait()


def redis_state() -> dict[str, tuple[int, int]]:
    """This test's counters (fresh_throttles gives it a key prefix of its own): their
    values and seconds to live, by key without the prefix."""
    cache = caches["ratelimit"]
    client = cache._cache.get_client(write=True)
    return {
        key.decode().removeprefix(cache.key_prefix): (int(client.get(key)), client.ttl(key))
        for key in client.scan_iter(match=f"{cache.key_prefix}:*")
    }


def test_the_limit_holds_within_a_window_and_refusals_are_not_counted(four_a_minute, request_from):
    client = request_from()
    assert [check(client, at=START + 10) for _ in range(4)] == [None] * 4
    for _ in range(10):
        assert check(client, at=START + 10) == pytest.approx(50)
    assert check(client, at=START + 59.9) == pytest.approx(0.1)
    # Just past the boundary the previous window still counts 4 x 59.5/60 = 3.97 < 4:
    # one more, had the refused requests been counted none.
    assert check(client, at=START + 60.5) is None
    assert check(client, at=START + 60.5) is not None
    # Another address has counters of its own.
    assert check(request_from("203.0.113.9"), at=START + 10) is None


def test_the_previous_window_counts_by_its_overlap_with_the_last_minute(
    four_a_minute, request_from
):
    client = request_from()
    assert [check(client, at=START + 10) for _ in range(4)] == [None] * 4
    # 40 s into the next window a third of the previous one overlaps: 4/3 + n < 4 for
    # n = 0, 1, 2.
    assert [check(client, at=START + 100) for _ in range(3)] == [None] * 3
    # 4/3 + 3 >= 4 until the weight drops to 1/4, at 45 s.
    assert check(client, at=START + 100) == pytest.approx(5)
    assert check(client, at=START + 104.9) is not None
    assert check(client, at=START + 105.1) is None
    # Two windows on, nothing of either counts.
    assert [check(client, at=START + 180) for _ in range(4)] == [None] * 4
    assert check(client, at=START + 180) == pytest.approx(60)


def test_a_client_is_two_small_counters_that_expire(throttle_rates, request_from):
    throttle_rates(token="1000/minute")
    client = request_from()
    for _ in range(50):
        check(client, at=START + 10)
    for _ in range(7):
        check(client, at=START + 70)
    window = int(START) // 60
    state = redis_state()
    key = ":1:throttle_token_198.51.100.7"
    assert {name: count for name, (count, _) in state.items()} == {
        f"{key}:{window}": 50,
        f"{key}:{window + 1}": 7,
    }
    # Each is read as the previous window's count until the next window ends.
    assert all(0 < ttl <= 120 for _, ttl in state.values())


def test_one_check_is_one_redis_command(four_a_minute, request_from, monkeypatch):
    check(request_from(), at=START)  # the script is loaded, if no test has done it yet
    commands = []
    execute = redis.Redis.execute_command

    def counted(self, *args, **options):
        commands.append(args[0])
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    for _ in range(5):
        check(request_from(), at=START + 1)
    assert commands == ["EVALSHA"] * 5


def test_a_redis_that_forgot_the_script_is_sent_it_again(four_a_minute, request_from):
    client = request_from()
    assert check(client, at=START) is None
    caches["ratelimit"]._cache.get_client(write=True).script_flush()
    assert [check(client, at=START) for _ in range(3)] == [None] * 3
    assert check(client, at=START) is not None
