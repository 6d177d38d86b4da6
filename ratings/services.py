"""Writes for ratings and lists, and the one owner of the movies' rating counters."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F, OuterRef, Subquery

from accounts.models import User
from catalog.models import Movie
from ratings.models import NotInterested, Rating, WatchlistItem

# --- The movies' rating counters -------------------------------------------------------
# Movie.rating_count and rating_sum are derived from the ratings table; only the functions
# here write them. Every writer of ratings locks the movie rows first, in id order, so
# concurrent writers serialise per movie and the counters stay exact.


def movie_rating_counters_lock(*, movie_ids: Collection[int]) -> list[int]:
    """Lock the movies' rows for this transaction, in id order; their ids, or ValidationError."""
    ids = sorted(set(movie_ids))
    locked = Movie.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    found = list(locked.values_list("pk", flat=True))
    missing = sorted(set(ids) - set(found))
    if len(missing) == 1:
        raise ValidationError({"movie": [f"Movie {missing[0]} does not exist."]})
    if missing:
        raise ValidationError({"movie": [f"Movies {missing} do not exist."]})
    return found


def movie_rating_counters_add(*, movie_id: int, count: int, total: Decimal) -> None:
    """Apply one rating write's change; the caller holds the movie's lock."""
    Movie.objects.filter(pk=movie_id).update(
        rating_count=F("rating_count") + count, rating_sum=F("rating_sum") + total
    )


def movie_rating_counters_recount(*, movie_ids: Collection[int] | None = None) -> int:
    """Recompute the counters exactly from the ratings, for `movie_ids` or every movie.

    Set-based (one statement), for bulk writers: imports, merges, synthetic data. Movies
    left without ratings go back to zero. Returns how many movies changed.
    """
    only = "" if movie_ids is None else "AND m2.id = ANY(%(ids)s)"
    only_ratings = "" if movie_ids is None else "WHERE movie_id = ANY(%(ids)s)"
    # The ratings are aggregated once, before the join: right after a bulk insert the
    # table has no statistics yet, and a per-movie plan over it took minutes.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Movie._meta.db_table} AS m
            SET rating_count = coalesce(a.n, 0), rating_sum = coalesce(a.total, 0)
            FROM {Movie._meta.db_table} AS m2
            LEFT JOIN (SELECT movie_id, count(*) AS n, sum(score) AS total
                       FROM {Rating._meta.db_table} {only_ratings}
                       GROUP BY movie_id) AS a ON a.movie_id = m2.id
            WHERE m.id = m2.id {only}
              AND (m.rating_count, m.rating_sum)
                  IS DISTINCT FROM (coalesce(a.n, 0), coalesce(a.total, 0))
            """,
            {"ids": None if movie_ids is None else list(movie_ids)},
        )
        return cursor.rowcount


def user_ratings_uncount(*, user: User) -> None:
    """Take a user's ratings off the counters, in one UPDATE, before the account goes.

    The subtraction must see final scores: locking the user row blocks new ratings by this
    user (their foreign-key check needs the row), locking the ratings blocks score changes.
    """
    User.objects.select_for_update().get(pk=user.pk)
    list(Rating.objects.select_for_update().filter(user=user).values_list("pk", flat=True))
    own_score = Rating.objects.filter(user=user, movie=OuterRef("pk")).values("score")
    Movie.objects.filter(ratings__user=user).update(
        rating_count=F("rating_count") - 1, rating_sum=F("rating_sum") - Subquery(own_score)
    )


# --- Ratings ---------------------------------------------------------------------------


def _clean_score(score: Decimal | str | float | int) -> Decimal:
    """The model field's own parsing and validators, so the rules live in one place."""
    field = Rating._meta.get_field("score")
    try:
        return field.clean(str(score), None)
    except ValidationError as exc:
        raise ValidationError(
            {"score": [f"Invalid score {score}: {message}" for message in exc.messages]}
        ) from None


def _movie_id(movie: Movie | int) -> int:
    return movie.pk if isinstance(movie, Movie) else int(movie)


def rating_upsert(*, user, movie: Movie | int, score: Decimal | str | float) -> Rating:
    """Create or change the user's rating; nothing is written when the score is invalid."""
    score = _clean_score(score)
    with transaction.atomic():
        movie_id = movie_rating_counters_lock(movie_ids=[_movie_id(movie)])[0]
        rating = Rating.objects.filter(user=user, movie_id=movie_id).first()
        if rating is None:
            rating = Rating.objects.create(user=user, movie_id=movie_id, score=score)
            movie_rating_counters_add(movie_id=movie_id, count=1, total=score)
        elif rating.score != score:
            delta = score - rating.score
            rating.score = score
            rating.save(update_fields=["score", "updated_at"])
            movie_rating_counters_add(movie_id=movie_id, count=0, total=delta)
    return rating


def rating_delete(*, user, movie: Movie | int) -> bool:
    """Remove the user's rating if there is one; True when something was deleted."""
    with transaction.atomic():
        movie_id = movie_rating_counters_lock(movie_ids=[_movie_id(movie)])[0]
        rating = Rating.objects.filter(user=user, movie_id=movie_id).first()
        if rating is None:
            return False
        rating.delete()
        movie_rating_counters_add(movie_id=movie_id, count=-1, total=-rating.score)
    return True


# --- Watchlist and "not interested" ----------------------------------------------------


def _list_add(model: type[models.Model], *, user, movie: Movie | int):
    movie_id = _movie_id(movie)
    if not Movie.objects.filter(pk=movie_id).exists():
        raise ValidationError({"movie": [f"Movie {movie_id} does not exist."]})
    item, _ = model.objects.get_or_create(user=user, movie_id=movie_id)
    return item


def _list_remove(model: type[models.Model], *, user, movie: Movie | int) -> bool:
    deleted, _ = model.objects.filter(user=user, movie_id=_movie_id(movie)).delete()
    return bool(deleted)


def watchlist_add(*, user, movie: Movie | int) -> WatchlistItem:
    return _list_add(WatchlistItem, user=user, movie=movie)


def watchlist_remove(*, user, movie: Movie | int) -> bool:
    return _list_remove(WatchlistItem, user=user, movie=movie)


def not_interested_add(*, user, movie: Movie | int) -> NotInterested:
    return _list_add(NotInterested, user=user, movie=movie)


def not_interested_remove(*, user, movie: Movie | int) -> bool:
    return _list_remove(NotInterested, user=user, movie=movie)
