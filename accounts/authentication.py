"""API token authentication: `Authorization: Token <key>`, from a lookup cached for
seconds in Redis (accounts.token_cache), else one SQL query."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User
from accounts.selectors import api_token_user_get
from accounts.services import api_token_used
from accounts.token_cache import api_token_cache_add, api_token_cached, api_tokens_uncache


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's TokenAuthentication (header parsing, errors, challenge) over accounts.ApiToken:
    the key is looked up by its digest, and an expired token is an invalid one."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        now = timezone.now()
        digest = ApiToken.digest_of(key)
        found = api_token_cached(digest=digest, now=now)
        cached = found is not None
        if not cached:
            found = api_token_user_get(digest=digest, now=now)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        user, token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        recorded = api_token_used(token=token, now=now)
        if not cached:
            api_token_cache_add(digest=digest, user=user, token=token, now=now)
        elif recorded:  # the entry's last_used is out of date: once an hour at most
            api_tokens_uncache(digests=[digest])
        return user, token
