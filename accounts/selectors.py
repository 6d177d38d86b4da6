"""Reads for accounts. Views call these, never the ORM directly."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import ApiToken, User


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
# PostgreSQL answering it, and every API request pays for this one. Of the token, only
# what authenticating needs: its id (revoking "this" token), last_used (whether to
# record this use) and expires (how long the lookup may be cached, accounts.token_cache);
# its other fields load when first read.
_USER_BY_TOKEN_SQL = f"""
    SELECT u.*, t.id AS token_id, t.last_used AS token_last_used, t.expires AS token_expires
      FROM {User._meta.db_table} AS u
      JOIN {ApiToken._meta.db_table} AS t ON t.user_id = u.id
     WHERE t.digest = %s AND t.expires > %s
"""


def api_token_user_get(*, digest: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The user of the unexpired token whose digest is `digest`, and the token, in one
    query; None if none."""
    users = User.objects.raw(_USER_BY_TOKEN_SQL, [digest, now])
    user = next(iter(users), None)
    if user is None:
        return None
    token_id, last_used, expires = (
        user.__dict__.pop(name) for name in ("token_id", "token_last_used", "token_expires")
    )
    # In the model's field order, as from_db takes them.
    token = ApiToken.from_db(
        users.db,
        ["id", "user_id", "expires", "last_used"],
        [token_id, user.pk, expires, last_used],
    )
    token.user = user
    return user, token
