"""The social layer's part of "download my data": the diary, reviews and lists of their
owner (registered into ratings' export by social.apps)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from ratings.selectors import ExportSection
from social.models import DiaryEntry, ListEntry, MovieList, Review


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()


def diary_export(user) -> list[dict]:
    rows = DiaryEntry.objects.filter(user=user).order_by("watched_on", "pk")
    return [
        {
            "movie_id": entry.movie_id,
            "title": entry.movie.title,
            "year": entry.movie.year,
            "watched_on": entry.watched_on.isoformat(),
            "rewatch": entry.rewatch,
            "score": None if entry.score is None else float(entry.score),
            "created_at": entry.created_at.isoformat(),
        }
        for entry in rows.select_related("movie")
    ]


def reviews_export(user) -> list[dict]:
    rows = Review.objects.filter(user=user).select_related("movie", "diary_entry")
    return [
        {
            "movie_id": review.movie_id,
            "title": review.movie.title,
            "year": review.movie.year,
            "watched_on": _iso(review.diary_entry.watched_on if review.diary_entry else None),
            "text": review.text,
            "contains_spoilers": review.contains_spoilers,
            "created_at": review.created_at.isoformat(),
        }
        for review in rows.order_by("created_at", "pk")
    ]


def lists_export(user) -> list[dict]:
    lists = MovieList.objects.filter(user=user).order_by("created_at", "pk")
    return [
        {
            "name": movie_list.name,
            "description": movie_list.description,
            "ranked": movie_list.ranked,
            "visibility": movie_list.visibility,
            "created_at": movie_list.created_at.isoformat(),
            "entries": [
                {
                    "movie_id": entry.movie_id,
                    "title": entry.movie.title,
                    "year": entry.movie.year,
                    "position": entry.position,
                    "note": entry.note,
                }
                for entry in movie_list.entries.all()
            ],
        }
        for movie_list in lists.prefetch_related(
            Prefetch("entries", queryset=ListEntry.objects.select_related("movie"))
        )
    ]


def _list_entry_rows(lists: list[dict]) -> Iterator[dict]:
    """`lists_export` flattened for the CSV table: a row per entry, naming its list."""
    for movie_list in lists:
        about = {f"list_{key}": movie_list[key] for key in _LIST_CSV_KEYS}
        for entry in movie_list["entries"]:
            yield {**about, **entry}


_LIST_CSV_KEYS = ("name", "description", "ranked", "visibility")

EXPORT_SECTIONS = {
    "diary": ExportSection(rows=diary_export, csv_columns=("watched_on", "rewatch", "score")),
    "reviews": ExportSection(
        rows=reviews_export, csv_columns=("watched_on", "text", "contains_spoilers")
    ),
    "lists": ExportSection(
        rows=lists_export,
        csv_columns=(*(f"list_{key}" for key in _LIST_CSV_KEYS), "position", "note"),
        csv_rows=_list_entry_rows,
    ),
}
