"""Reads for accounts. Views call these, never the ORM directly."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet

from accounts.models import User


def user_profile_get(*, username: str, viewer: User | AnonymousUser) -> User:
    """The profile `viewer` may see, annotated with `ratings_count`, or User.DoesNotExist.

    A private profile is reported as missing, not forbidden, so that it reveals nothing.
    """
    user = User.objects.annotate(ratings_count=Count("ratings")).get(
        username=username, is_active=True
    )
    if not user.profile_is_public and user.pk != viewer.pk:
        raise User.DoesNotExist(f"{username}'s profile is private.")
    return user


def user_email_taken(*, email: str, exclude: User | None = None) -> bool:
    """Whether another account already uses `email` (case-insensitively)."""
    users: QuerySet[User] = User.objects.filter(email__iexact=email)
    if exclude is not None:
        users = users.exclude(pk=exclude.pk)
    return users.exists()
