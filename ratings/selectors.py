"""Reads for ratings and lists: "download my data"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, Model
from django.utils import timezone

from accounts.models import User
from ratings.models import NotInterested, Rating, WatchlistItem

EXPORT_FORMAT_VERSION = 1

# Every exported list names its movies the same way, with the ids other services understand.
_MOVIE_COLUMNS = {
    "title": F("movie__title"),
    "year": F("movie__year"),
    "movielens_id": F("movie__movielens_id"),
    "imdb_id": F("movie__imdb_id"),
    "tmdb_id": F("movie__tmdb_id"),
}

# The lists in "download my data": (key in the export, model, its own columns). A new
# per-user list (e.g. a diary) is one more line here; the CSV follows automatically.
EXPORT_LISTS: tuple[tuple[str, type[Model], tuple[str, ...]], ...] = (
    ("ratings", Rating, ("score", "created_at", "updated_at")),
    ("watchlist", WatchlistItem, ("created_at",)),
    ("not_interested", NotInterested, ("created_at",)),
)

# The CSV download is one table: the list a row comes from, the movie, then the lists' columns.
EXPORT_CSV_COLUMNS = (
    "list",
    "movie_id",
    *_MOVIE_COLUMNS,
    *dict.fromkeys(column for _, _, columns in EXPORT_LISTS for column in columns),
)


def _json_ready(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | str | None):
        return value
    return float(value)  # Decimal scores: half stars are exact in binary floating point.


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the user gave us, as JSON-ready primitives, oldest entry first."""
    export: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "user": {
            "username": user.username,
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "profile_is_public": user.profile_is_public,
            "allow_group_recommendations": user.allow_group_recommendations,
        },
    }
    for key, model, columns in EXPORT_LISTS:
        rows = (
            model.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values("movie_id", *columns, **_MOVIE_COLUMNS)
        )
        export[key] = [{name: _json_ready(value) for name, value in row.items()} for row in rows]
    return export
