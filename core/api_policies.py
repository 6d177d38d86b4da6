"""Pagination and throttling of the JSON API, as named in settings.REST_FRAMEWORK.

Apart from core/api.py because DRF's views import these classes while they are being
imported themselves, so this module must not import DRF's views (nor drf-spectacular).
"""

import hashlib
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import caches
from redis.exceptions import NoScriptError
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from core.client_ip import client_ip
from core.redis_outage import REDIS_UNREACHABLE, redis_outage_start, redis_paused

# --- Pagination ------------------------------------------------------------------------


def reject_repeated_query_params(request, names) -> None:
    """`?page=1&page=2` is ambiguous (Django would quietly take the last); refuse it."""
    repeated = sorted(name for name in names if len(request.query_params.getlist(name)) > 1)
    if repeated:
        raise ValidationError({name: ["Give this parameter once."] for name in repeated})


class PageNumberPagination(pagination.PageNumberPagination):
    """?page=N (from 1) and ?page_size=N (1 to 100); a page past the end is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_number(self, request, paginator) -> str:
        reject_repeated_query_params(request, [self.page_query_param])
        # DRF reads an empty ?page= as page 1; it is as invalid as ?page=abc (a 404).
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound(self.invalid_page_message.format(page_number="", message="empty"))
        return super().get_page_number(request, paginator)

    def get_page_size(self, request) -> int:
        reject_repeated_query_params(request, [self.page_size_query_param])
        # DRF quietly falls back to the default for a bad page_size; a client is better
        # served by the same 400 as for any other bad parameter.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdecimal() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


# --- Throttling ------------------------------------------------------------------------


# One throttle check, atomic in Redis. KEYS: the counters of this fixed window and of the
# previous one. ARGV: the limit, the share of the previous window the sliding window
# still covers, and the counters' lifetime in seconds (a counter is read as "previous"
# all through the next window). Returns {allowed, current, previous}, the counts before
# this request. Only a request let through is counted, as DRF counts: a client that
# keeps retrying while refused gets in again as soon as its rate allows.
_SLIDING_WINDOW_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current >= tonumber(ARGV[1]) then
  return {0, current, previous}
end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, current, previous}
"""
_SLIDING_WINDOW_SHA = hashlib.sha1(_SLIDING_WINDOW_SCRIPT.encode()).hexdigest()


def _seconds_until_allowed(
    *, now: float, duration: int, limit: int, current: int, previous: int
) -> float:
    """How long a refused client must wait, if nothing else is counted meanwhile, until
    the sliding-window estimate drops below `limit`: within this window if what is left
    of the previous one's weight allows it, else into the next window, where this
    window's `current` becomes the weighted previous count."""
    window_end = (now // duration + 1) * duration
    if current < limit:  # refused, so previous > 0
        return window_end - duration * (limit - current) / previous - now
    return window_end + duration * (1 - limit / current) - now


class _SharedThrottle:
    """Counters in the `ratelimit` cache (Redis), so that every web process counts
    together; client addresses by core.client_ip, which honours TRUSTED_PROXY_COUNT.

    The count over the last `duration` seconds is estimated from two fixed windows of
    that length: the requests let through in the current window, plus the previous
    window's weighted by the share of it the sliding window still covers (exact for
    requests spread evenly over the previous window). One Lua script reads, decides and
    counts: one Redis round trip per throttle check, and two small integers per client
    whatever the rate. DRF's SimpleRateThrottle instead reads a pickled list of
    timestamps and writes it back (two round trips on every API request, a payload that
    grows with the rate, and concurrent requests overwriting each other's count).

    A throttle is a guard, not a service: when Redis is unreachable the request goes
    through unthrottled (as queueing after commit does, core.queueing) rather than failing.
    """

    @property
    def cache(self):
        return caches["ratelimit"]

    # DRF copies the rates into a class attribute at import time; reading them per request
    # lets changed settings (tests, override_settings) apply.
    @property
    def THROTTLE_RATES(self) -> dict[str, str]:
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request) -> str:
        return client_ip(request)

    def allow_request(self, request, view) -> bool:
        """SimpleRateThrottle's rules (no scope or no rate: not throttled; the key from
        the DRF class beside this one), counted by `_count`."""
        if not self.scope:
            return True
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        location = settings.CACHES["ratelimit"]["LOCATION"]
        if redis_paused(location):
            return True
        try:
            return self._count(key)
        except REDIS_UNREACHABLE as exc:
            redis_outage_start(location, exc, "Rate limits are off")
            return True

    def _count(self, key: str) -> bool:
        now = self.timer()
        window = int(now // self.duration)
        keys = [self.cache.make_key(f"{key}:{window}"), self.cache.make_key(f"{key}:{window - 1}")]
        previous_weight = 1 - (now - window * self.duration) / self.duration
        args = (*keys, self.num_requests, previous_weight, 2 * self.duration)
        # Django's cache API has no scripts: the script runs on the redis-py client of the
        # `ratelimit` cache's own pool (its LOCATION and socket timeouts).
        client = self.cache._cache.get_client(keys[0], write=True)
        try:
            allowed, current, previous = client.evalsha(_SLIDING_WINDOW_SHA, len(keys), *args)
        except NoScriptError:  # a restarted Redis has forgotten it; EVAL loads it again
            allowed, current, previous = client.eval(_SLIDING_WINDOW_SCRIPT, len(keys), *args)
        if not allowed:
            self.retry_after = _seconds_until_allowed(
                now=now,
                duration=self.duration,
                limit=self.num_requests,
                current=current,
                previous=previous,
            )
        return bool(allowed)

    def wait(self) -> float:
        """After a refusal, the seconds until a request would be let through (Retry-After)."""
        return self.retry_after


class AnonThrottle(_SharedThrottle, AnonRateThrottle):
    """Per client IP address, for requests without credentials (scope `anon`)."""


class UserThrottle(_SharedThrottle, UserRateThrottle):
    """Per signed-in user (scope `user`)."""


class ScopedThrottle(_SharedThrottle, ScopedRateThrottle):
    """The view's `throttle_scope`, e.g. `token` for endpoints that take a password."""

    def allow_request(self, request, view) -> bool:
        # What ScopedRateThrottle.allow_request does before it counts.
        self.scope = getattr(view, self.scope_attr, None)
        return super().allow_request(request, view)


def form_post_allowed(request, *, scope: str) -> bool:
    """Whether a website form may go on, under the API throttle of `scope`: the same
    rate, the same counters (per client address) and the same fail-open on a dead Redis,
    so an account costs the same whether it is made in the browser or through the API."""
    return ScopedThrottle().allow_request(request, SimpleNamespace(throttle_scope=scope))
