"""Reads only the JSON API needs (yet); the website's are in selectors.py and personal.py."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied

from accounts.models import User
from recommendations.personal import group_partner_get


def group_members_get(*, viewer: User, usernames: Sequence[str]) -> list[User]:
    """The users `viewer` named for a group pick, if every one of them may join.

    Otherwise PermissionDenied names everyone who cannot, without saying whether an account
    is missing, inactive or private (personal.group_partner_get's rule): that would tell
    who has an account.
    """
    members = {name: group_partner_get(viewer=viewer, username=name) for name in usernames}
    refused = [name for name, member in members.items() if member is None]
    if refused:
        raise PermissionDenied(
            f"No group recommendations with {', '.join(refused)}: each member must be another "
            "user whose account allows group recommendations (a setting they turn on)."
        )
    return list({member.pk: member for member in members.values()}.values())
