"""Redis calls that a request can do without: after one fails, the others wait a pause.

The API throttles (core.api_policies) and the API token cache (accounts.token_cache) read
Redis on every request, under short socket timeouts. While Redis is unreachable each call
would wait for its timeout; instead the first failure starts a pause during which callers
skip Redis (the throttles let requests through, the token lookup asks the database), with
one warning per pause and per process.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_OUTAGE_PAUSE_SECONDS = 10.0
# What an unreachable Redis raises.
REDIS_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Per Redis LOCATION, the monotonic time until which callers do not try it.
_outage_until: dict[str, float] = {}


def redis_paused(location: str) -> bool:
    """Whether a recent failure says to leave the Redis at `location` alone for now."""
    return time.monotonic() < _outage_until.get(location, 0.0)


def redis_outage_start(location: str, exc: Exception, consequence: str) -> None:
    """Record that the Redis at `location` failed: callers skip it for a pause."""
    _outage_until[location] = time.monotonic() + REDIS_OUTAGE_PAUSE_SECONDS
    logger.warning(
        "%s for %.0f s: Redis is unreachable (%s).", consequence, REDIS_OUTAGE_PAUSE_SECONDS, exc
    )
