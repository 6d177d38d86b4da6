"""Reads only the JSON API needs (yet); the website's are in selectors.py and personal.py."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.models import User
from catalog.filters import MovieFilters
from catalog.models import Movie
from ratings.models import Rating
from recommendations.personal import group_partner_get, rating_list_sorted


def rating_filtered_list(
    *,
    user: User,
    sort: str,
    min_score: Decimal | None = None,
    max_score: Decimal | None = None,
    genre: str | None = None,
) -> QuerySet[Rating]:
    """The user's own ratings within a score range and a genre, in a personal.RATING_SORTS."""
    ratings = rating_list_sorted(user=user, sort=sort).prefetch_related("movie__genres")
    if min_score is not None:
        ratings = ratings.filter(score__gte=min_score)
    if max_score is not None:
        ratings = ratings.filter(score__lte=max_score)
    if genre:
        # A semi-join: joining genres could repeat a rating once per matching genre.
        ratings = ratings.filter(
            movie__in=Movie.objects.filter(MovieFilters(genre=genre).q()).values("pk")
        )
    return ratings


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
