"""API token lookups kept in Redis for seconds, by the token's digest.

Every API request authenticates, and the lookup (the token joined to its user,
accounts.selectors.api_token_user_get) was one of its two PostgreSQL round trips. An
entry is what the lookup found, the user and the token, for at most TOKEN_CACHE_SECONDS
and never past the token's expiry, which is checked again on every use.

Whatever changes the answer ends the entries first (accounts.receivers): a deleted token
(revoked, signed out, its user deleted) and a saved or suspended user. Ending one writes a
tombstone in its place, and an entry is only ever added where nothing is (never
overwritten), so a lookup that read the database just before a revocation cannot put the
revoked token back: the tombstone outlives the entry it replaced.

Redis unreachable: lookups read the database (core.redis_outage pauses the attempts), but
ending entries raises, so that a revocation or suspension that could not end them fails
with its transaction instead of leaving a revoked token usable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.cache import caches

from accounts.models import ApiToken, User
from core.redis_outage import REDIS_UNREACHABLE, redis_outage_start, redis_paused

TOKEN_CACHE_SECONDS = 30
# In an ended entry's place, for longer than any entry lives.
_ENDED = "ended"
_OUTAGE = "API token lookups read the database"


def _cache():
    return caches["tokens"]


def _location() -> str:
    return settings.CACHES["tokens"]["LOCATION"]


def api_token_cached(*, digest: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The user and token of an unexpired cached lookup of `digest`; None if there is
    none, it was ended, or Redis cannot say."""
    if redis_paused(_location()):
        return None
    try:
        entry = _cache().get(digest)
    except REDIS_UNREACHABLE as exc:
        redis_outage_start(_location(), exc, _OUTAGE)
        return None
    if entry is None or entry == _ENDED:
        return None
    user, token = entry
    return entry if token.expires > now else None


def api_token_cache_add(*, digest: str, user: User, token: ApiToken, now: datetime) -> None:
    """Keep a lookup that found an active user's unexpired token, unless an entry or a
    tombstone is there already."""
    seconds = min(TOKEN_CACHE_SECONDS, int((token.expires - now).total_seconds()))
    if seconds < 1 or redis_paused(_location()):
        return
    try:
        _cache().add(digest, (user, token), timeout=seconds)
    except REDIS_UNREACHABLE as exc:
        redis_outage_start(_location(), exc, _OUTAGE)


def api_tokens_uncache(*, digests: Iterable[str]) -> None:
    """End the cached lookups of `digests`; raises when Redis is unreachable."""
    tombstones = dict.fromkeys(digests, _ENDED)
    if tombstones:
        _cache().set_many(tombstones, timeout=2 * TOKEN_CACHE_SECONDS)


def user_tokens_uncache(*, user_id: int) -> None:
    """End the cached lookups of every token of a user, whose row changed."""
    api_tokens_uncache(
        digests=ApiToken.objects.filter(user_id=user_id).values_list("digest", flat=True)
    )
