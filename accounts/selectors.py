"""Reads for accounts. Views call these, never the ORM directly."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import ApiToken, User


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


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """`user`'s tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, expires__gt=timezone.now()).order_by("-created")


# Raw SQL: building and compiling the equivalent select_related query took more CPU than
# PostgreSQL answering it, and every API request pays for this one.
_TOKEN_COLUMNS = ("id", "name", "key_prefix", "digest", "created", "expires", "last_used")
_USER_BY_TOKEN_SQL = f"""
    SELECT u.*, {", ".join(f"t.{column} AS token_{column}" for column in _TOKEN_COLUMNS)}
      FROM {User._meta.db_table} AS u
      JOIN {ApiToken._meta.db_table} AS t ON t.user_id = u.id
     WHERE t.digest = %s AND t.expires > %s
"""


def api_token_user_get(*, key: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The user of the unexpired token `key`, and the token, in one query; None if none."""
    users = User.objects.raw(_USER_BY_TOKEN_SQL, [ApiToken.digest_of(key), now])
    user = next(iter(users), None)
    if user is None:
        return None
    values = {column: user.__dict__.pop(f"token_{column}") for column in _TOKEN_COLUMNS}
    values["user_id"] = user.pk
    # from_db takes the values in the model's field order.
    attnames = [field.attname for field in ApiToken._meta.concrete_fields]
    token = ApiToken.from_db(users.db, attnames, [values[name] for name in attnames])
    token.user = user
    return user, token
