"""Merging duplicate movies into one kept movie, without losing any user's data.

The rule when a user has rows on several of the merged movies:

- ratings: the most recently updated rating wins (on a tie, the kept movie's);
  the other ratings of that user are dropped, so each user keeps one score;
- watchlist and "not interested": one entry is kept, the earliest.

Metadata: blank fields of the kept movie are filled from the duplicates, most rated
first; so is its cast and crew, taken whole from the first duplicate that has one when
the kept movie has none; genres and MovieLens tags are united. The duplicates are then
deleted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, Value, When

from catalog.models import Credit, Genre, Movie
from catalog.tasks import movies_reembed
from ratings.models import NotInterested, Rating, WatchlistItem
from ratings.services import movie_rating_counters_recount

# Filled on the kept movie when blank there. movielens_id is unique, so it is
# written only after the duplicate holding it is deleted.
FILLED_FIELDS = (
    "overview", "tagline", "keywords", "runtime", "poster_path", "imdb_id", "tmdb_id", "year",
    "language", "movielens_id",
)  # fmt: skip
_LARGE_FIELDS = ("embedding", "search_vector", "title_trigrams")


@dataclass(frozen=True)
class MergeReport:
    kept: Movie
    deleted_ids: list[int]
    ratings_moved: int
    ratings_dropped: int
    watchlist_moved: int
    not_interested_moved: int
    fields_filled: list[str]

    def summary(self) -> str:
        filled = ", ".join(self.fields_filled) or "nothing"
        return (
            f"Merged {len(self.deleted_ids)} duplicate(s) into {self.kept} (#{self.kept.pk}): "
            f"{self.ratings_moved} ratings moved, {self.ratings_dropped} older ratings of users "
            f"who rated several dropped, {self.watchlist_moved} watchlist and "
            f"{self.not_interested_moved} not-interested entries moved; filled {filled}."
        )


def movies_merge(*, keep_id: int, duplicate_ids: Collection[int]) -> MergeReport:
    """Merge the duplicates into the kept movie, in one transaction (see the module rule)."""
    duplicates = set(duplicate_ids) - {keep_id}
    if not duplicates:
        raise ValidationError("Choose at least one other movie to merge into the kept one.")
    ids = sorted({keep_id, *duplicates})
    with transaction.atomic():
        # Locked in id order, so overlapping merges cannot deadlock; rating writes lock
        # their movie row first, so no rating of these movies changes under us.
        movies = {
            movie.pk: movie
            for movie in Movie.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .defer(*_LARGE_FIELDS)
        }
        missing = sorted(set(ids) - movies.keys())
        if missing:
            raise ValidationError(f"Movies {missing} do not exist.")
        kept = movies[keep_id]
        donors = sorted((movies[pk] for pk in duplicates), key=lambda m: (-m.rating_count, m.pk))
        keep_first = Case(When(movie_id=keep_id, then=Value(0)), default=Value(1))
        ratings_moved, ratings_dropped = _move_user_rows(
            Rating, keep_id=keep_id, movie_ids=ids, winner_first=("-updated_at", keep_first, "-pk")
        )
        watchlist_moved, _ = _move_user_rows(
            WatchlistItem, keep_id=keep_id, movie_ids=ids, winner_first=("created_at", "pk")
        )
        not_interested_moved, _ = _move_user_rows(
            NotInterested, keep_id=keep_id, movie_ids=ids, winner_first=("created_at", "pk")
        )
        filled = _fill_blanks(kept, donors)
        if _credits_fill(kept, donors):
            filled.append("cast and crew")
        kept.movielens_tags = _union(kept.movielens_tags, *(d.movielens_tags for d in donors))
        kept.genres.add(*Genre.objects.filter(movies__pk__in=duplicates).distinct())
        Movie.objects.filter(pk__in=duplicates).delete()
        fields = [name for name in filled if name in FILLED_FIELDS]
        kept.save(update_fields=[*fields, "movielens_tags", "updated_at"])
        movie_rating_counters_recount(movie_ids=[keep_id])
        movies_reembed(movie_ids=[keep_id])
    kept.refresh_from_db(fields=["rating_count", "rating_sum", "rating_mean", "needs_embedding"])
    return MergeReport(
        kept=kept,
        deleted_ids=sorted(duplicates),
        ratings_moved=ratings_moved,
        ratings_dropped=ratings_dropped,
        watchlist_moved=watchlist_moved,
        not_interested_moved=not_interested_moved,
        fields_filled=filled,
    )


def _move_user_rows(
    model: type[models.Model], *, keep_id: int, movie_ids: list[int], winner_first: tuple
) -> tuple[int, int]:
    """Point every user's rows on `movie_ids` at the kept movie; of a user's several rows
    only the first in `winner_first` order survives. Returns (moved, dropped)."""
    rows = model.objects.filter(movie_id__in=movie_ids)
    winners = rows.order_by("user_id", *winner_first).distinct("user_id").values("pk")
    dropped, _ = rows.exclude(pk__in=winners).delete()
    # A plain UPDATE keeps updated_at: moving a rating is not the user changing it.
    moved = rows.exclude(movie_id=keep_id).update(movie_id=keep_id)
    return moved, dropped


def _fill_blanks(kept: Movie, donors: list[Movie]) -> list[str]:
    filled = []
    for name in FILLED_FIELDS:
        if getattr(kept, name) not in (None, "", []):
            continue
        value = next(
            (getattr(d, name) for d in donors if getattr(d, name) not in (None, "", [])), None
        )
        if value is not None:
            setattr(kept, name, value)
            filled.append(name)
    return filled


def _credits_fill(kept: Movie, donors: list[Movie]) -> bool:
    """Give the kept movie the first donor's credits when it has none (a credit list is
    one source's whole list: mixing two would double-bill people under two roles)."""
    if Credit.objects.filter(movie=kept).exists():
        return False
    # any() stops at the first donor whose credits moved.
    return any(Credit.objects.filter(movie=donor).update(movie=kept) for donor in donors)


def _union(*tag_lists: list[str]) -> list[str]:
    """Tags in order of first appearance, one per spelling that differs only in case."""
    seen: dict[str, str] = {}
    for tags in tag_lists:
        for tag in tags:
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())
