"""API token authentication: `Authorization: Token <key>`, one SQL query per request."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User
from accounts.selectors import api_token_user_get
from accounts.services import api_token_used


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's TokenAuthentication (header parsing, errors, challenge) over accounts.ApiToken:
    the key is looked up by its digest, and an expired token is an invalid one."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        now = timezone.now()
        found = api_token_user_get(key=key, now=now)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        user, token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        api_token_used(token=token, now=now)
        return user, token
