"""Writes for accounts."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User

DEMO_USERNAME = "demo"


@transaction.atomic
def demo_user_ensure(*, credentials_file: Path) -> tuple[User, str]:
    """Create the demo account once and return it with its password.

    The password is random and kept in a git-ignored file so every start can print it.
    """
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is not None and credentials_file.exists():
        return user, credentials_file.read_text().strip()
    password = secrets.token_urlsafe(9)
    if user is None:
        user = User(username=DEMO_USERNAME, email="demo@example.com", first_name="Demo")
    user.set_password(password)
    user.save()
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(password + "\n")
    credentials_file.chmod(0o600)
    return user, password


def user_sign_up(*, username: str, email: str, password: str) -> User:
    """Create a regular account. The caller has validated the password."""
    return User.objects.create_user(username=username, email=email, password=password)


def user_settings_update(
    *, user: User, email: str, profile_is_public: bool, allow_group_recommendations: bool
) -> User:
    user.email = User.objects.normalize_email(email)
    user.profile_is_public = profile_is_public
    user.allow_group_recommendations = allow_group_recommendations
    user.save(update_fields=["email", "profile_is_public", "allow_group_recommendations"])
    return user


def user_login_lockout_clear(*, username: str) -> None:
    """Lift sign-in lockouts of `username`, e.g. once a password reset proved who they are."""
    axes_reset(username=username)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account and everything it owns (ratings and lists go by CASCADE).

    The ratings app takes the ratings off the movies' counters as the user row is deleted
    (its pre_delete receiver), whichever way the user is deleted. Login records name the
    user and their IP addresses; they go too.
    """
    for login_records in (AccessAttempt, AccessFailureLog, AccessLog):
        login_records.objects.filter(username=user.username).delete()
    user.delete()


# last_used is kept to the hour: exact would cost a write on every API request.
API_TOKEN_LAST_USED_RESOLUTION = timedelta(hours=1)


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a new token for one device or app of `user`; return it with its secret.

    The secret exists only in the answer: the database keeps its digest. The user's
    expired tokens are deleted on the way, so that they do not pile up.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Name the device or app this token is for."]})
    if len(name) > ApiToken.NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": [f"Use at most {ApiToken.NAME_MAX_LENGTH} characters for the name."]}
        )
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires__lte=now).delete()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_prefix=key[: ApiToken.PREFIX_LENGTH],
        digest=ApiToken.digest_of(key),
        created=now,
        expires=now + settings.API_TOKEN_TTL,
    )
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of `user`'s tokens; ApiToken.DoesNotExist if `user` has no such token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise ApiToken.DoesNotExist(f"You have no API token {token_id}.")


def api_token_revoke_all(*, user: User, keep: ApiToken | None = None) -> int:
    """Revoke all of `user`'s tokens but `keep`; return how many were revoked."""
    tokens = ApiToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    deleted, _ = tokens.delete()
    return deleted


def api_token_used(*, token: ApiToken, now: datetime) -> None:
    """Record that `token` was used at `now`, if its last_used is more than the
    resolution old: most requests write nothing."""
    if token.last_used is not None and now - token.last_used < API_TOKEN_LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    token.last_used = now
