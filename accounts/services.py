"""Writes for accounts."""

from __future__ import annotations

import secrets
from pathlib import Path

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.db import transaction

from accounts.models import User

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
