"""Read queries for ratings, lists, training runs and the recommender's hot path.

The recommender reads go through raw SQL or `values_list` (never model instances
in bulk), and embeddings travel in pgvector's binary form (`vector_send`), which
is about 20x cheaper to decode than the text form (`core.vectors` decodes it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import (
    BinaryField,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from catalog.models import EMBEDDING_DIMENSIONS, VISIBLE_MOVIE_SQL, Movie
from catalog.selectors import CATALOGUE_VERSION_SQL
from core.locks import AdvisoryLock
from core.vectors import decode_vector, unit_rows
from ratings.models import NotInterested, Rating, WatchlistItem
from recommendations.config import Algorithm
from recommendations.models import RecommenderChoice, TrainingRun
from recommendations.types import RatingTriples, UserRatings, UserSignals


def training_run_list() -> QuerySet[TrainingRun]:
    return TrainingRun.objects.defer(*TrainingRun.LARGE_FIELDS)


@dataclass(frozen=True)
class RecommenderVersions:
    """Everything a user's recommendations depend on, as versions that move on every change."""

    run_id: int | None  # the serving model
    catalogue: datetime | None  # the latest movie change
    # "count/latest" of the user's ratings, not-interested and watchlist rows: any insert
    # or update moves a latest timestamp, any delete lowers a count.
    user: str


def recommender_versions(*, user_id: int | None) -> RecommenderVersions:
    """What recommender_check() reads, without checking any movies."""
    return recommender_check(user_id=user_id, movie_ids=()).versions


@dataclass(frozen=True)
class RecommenderCheck:
    """What the recommender reads on every call, in one query (recommender_check)."""

    versions: RecommenderVersions
    chosen: Algorithm  # the user's recommender (recommender_algorithm)
    visible: set[int]  # those of the movie ids asked about


def recommender_check(*, user_id: int | None, movie_ids: Sequence[int]) -> RecommenderCheck:
    """The serving model's id, the catalogue version and the user's, in one round trip
    of index lookups: the recommender checks them on every call. With them, the
    recommender the user chose (read here so that a list in their choice needs no query
    of its own), and which of `movie_ids` are visible: those of a cached list."""
    lists = [
        f"(SELECT count(*) || '/' || coalesce(max({column})::text, '') "
        f"FROM {model._meta.db_table} WHERE user_id = %(user)s)"
        for model, column in (
            (Rating, "updated_at"),
            (NotInterested, "created_at"),
            (WatchlistItem, "created_at"),
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT (SELECT id FROM {TrainingRun._meta.db_table} WHERE is_serving LIMIT 1),
                   {CATALOGUE_VERSION_SQL},
                   {" || ';' || ".join(lists)},
                   (SELECT algorithm FROM {RecommenderChoice._meta.db_table}
                     WHERE user_id = %(user)s),
                   ARRAY(SELECT m.id FROM {Movie._meta.db_table} m
                          WHERE m.id = ANY(%(movies)s::bigint[])
                            AND {VISIBLE_MOVIE_SQL.format(movie="m")})
            """,
            {"user": user_id, "movies": list(movie_ids)},
        )
        run_id, catalogue, user, chosen, visible = cursor.fetchone()
    return RecommenderCheck(
        versions=RecommenderVersions(run_id, catalogue, user),
        chosen=_algorithm_or_default(chosen),
        visible=set(visible),
    )


def training_run_last_params() -> dict:
    """The hyper-parameters of the newest succeeded run; {} before any."""
    newest = (
        TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED)
        .order_by("-pk")
        .values_list("params", flat=True)
        .first()
    )
    return newest or {}


def training_run_serving_id() -> int | None:
    """The serving version: one index-only lookup, cheap enough for every request."""
    return TrainingRun.objects.filter(is_serving=True).values_list("pk", flat=True).first()


def ratings_watermark() -> tuple[int, datetime | None]:
    """(count, latest updated_at) of all ratings: moves on every insert, update and delete."""
    row = Rating.objects.aggregate(count=Count("pk"), latest=Max("updated_at"))
    return row["count"], row["latest"]


def training_is_stale() -> bool:
    """True when ratings changed since the serving model read them (or nothing serves yet)."""
    count, latest = ratings_watermark()
    serving = TrainingRun.objects.filter(is_serving=True).values_list(
        "ratings_seen", "ratings_updated_at"
    )
    seen = serving.first()
    if seen is None:
        return count > 0
    return (count, latest) != seen


def training_is_provisional() -> bool:
    """True when the serving model is one the next training run should complete: the
    first start's quick model (`training.training_run_train(quick=True)`), or trained
    without the tuning search while a tuning budget is set and no search ever completed
    (`--no-tune` before any search), or without the rating model (a run from before
    predicted stars)."""
    serving = (
        TrainingRun.objects.filter(is_serving=True)
        .annotate(predicts=ExpressionWrapper(Q(rating_model__isnull=False), BooleanField()))
        .values_list("metrics", "predicts", "params__quick")
        .first()
    )
    if serving is None:
        return False
    # params__quick: the key `Choice.as_json` writes for a quick run (this layer sits
    # below `choice`, so it reads the one key rather than the whole choice).
    metrics, predicts, quick = serving
    searched = "validation" in metrics or _last_complete_search() is not None
    untuned = settings.RECOMMENDER_TUNING_SECONDS > 0 and not searched
    return untuned or not predicts or bool(quick)


def training_search_due() -> bool:
    """True when the next training run should run the full tuning search rather than reuse
    the last choice: no search has completed yet, or the ratings have grown by
    RECOMMENDER_SEARCH_GROWTH since the last complete one, or it is
    RECOMMENDER_SEARCH_MAX_AGE_HOURS old."""
    last = _last_complete_search()
    if last is None:
        return True
    rating_count, finished_at = last
    count, _ = ratings_watermark()
    age = timedelta(hours=settings.RECOMMENDER_SEARCH_MAX_AGE_HOURS)
    grown = count >= rating_count * (1 + settings.RECOMMENDER_SEARCH_GROWTH)
    return grown or finished_at is None or timezone.now() - finished_at >= age


def _last_complete_search() -> tuple[int, datetime | None] | None:
    """(rating count, finished at) of the newest succeeded run whose search completed."""
    return (
        TrainingRun.objects.filter(
            status=TrainingRun.Status.SUCCEEDED, metrics__validation__out_of_time=False
        )
        .order_by("-pk")
        .values_list("rating_count", "finished_at")
        .first()
    )


# A training run holds the advisory lock (AdvisoryLock.TRAINING_RUN, run id) on its database
# session while it trains. PostgreSQL releases it when that session ends, however the worker
# died, so a run still marked running without its lock is one nobody will finish.
_LOCKED_RUN_IDS = RawSQL(
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = %s::oid AND objsubid = 2"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    [int(AdvisoryLock.TRAINING_RUN)],
)


def training_runs_orphaned() -> QuerySet[TrainingRun]:
    """Runs marked running whose training process is gone (killed worker, lost connection)."""
    return TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING).exclude(
        pk__in=_LOCKED_RUN_IDS
    )


def training_in_flight() -> bool:
    """A run is training now: its process is alive and it started within the task time
    limit (past it, a host that vanished without closing its connection counts as dead)."""
    since = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return TrainingRun.objects.filter(
        status=TrainingRun.Status.RUNNING, created_at__gte=since, pk__in=_LOCKED_RUN_IDS
    ).exists()


# --- Predicted ratings -----------------------------------------------------------------


_NO_RATINGS = UserRatings(np.zeros(0, dtype=np.int64), np.zeros(0))


def serving_run_and_ratings(*, user_id: int) -> tuple[int | None, UserRatings]:
    """The serving version and the user's current ratings in one round trip: all that a
    prediction reads from the database (the model itself is in-process)."""
    table = Rating._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT (SELECT id FROM {TrainingRun._meta.db_table} WHERE is_serving LIMIT 1),
                   ARRAY(SELECT movie_id FROM {table} WHERE user_id = %(user)s ORDER BY movie_id),
                   ARRAY(SELECT score::float8 FROM {table} WHERE user_id = %(user)s
                          ORDER BY movie_id)
            """,
            {"user": user_id},
        )
        run_id, movie_ids, scores = cursor.fetchone()
    return run_id, UserRatings(np.array(movie_ids, dtype=np.int64), np.array(scores))


def user_ratings_many(*, user_ids: Sequence[int]) -> dict[int, UserRatings]:
    """Every listed user's ratings, in one query; users without ratings get empty arrays."""
    rows = np.array(
        Rating.objects.filter(user_id__in=user_ids)
        .order_by("user_id", "movie_id")
        .values_list("user_id", "movie_id", "score"),
        dtype=np.float64,
    ).reshape(-1, 3)
    users, starts = np.unique(rows[:, 0].astype(np.int64), return_index=True)
    groups = np.split(rows, starts[1:]) if len(rows) else []
    found = {
        int(user): UserRatings(group[:, 1].astype(np.int64), group[:, 2])
        for user, group in zip(users, groups, strict=True)
    }
    return {user_id: found.get(user_id, _NO_RATINGS) for user_id in user_ids}


def user_ids_by_movielens_id(*, movielens_ids: Sequence[int]) -> dict[int, int]:
    return dict(
        User.objects.filter(movielens_id__in=movielens_ids).values_list("movielens_id", "pk")
    )


def movie_ids_by_movielens_id(*, movielens_ids: Sequence[int]) -> dict[int, int]:
    return dict(
        Movie.objects.filter(movielens_id__in=movielens_ids).values_list("movielens_id", "pk")
    )


# --- Training --------------------------------------------------------------------------


# COPY's binary form of one (int8, int8, float4) row: a field count, then a length
# before each field. Every row is the same size, so numpy reads them all at once.
_TRIPLE_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("_l1", ">i4"),
        ("user", ">i8"),
        ("_l2", ">i4"),
        ("movie", ">i8"),
        ("_l3", ">i4"),
        ("score", ">f4"),
    ]
)
_COPY_HEADER_BYTES = 19  # signature (11), flags (4), header extension length (4, zero)
_COPY_TRAILER_BYTES = 2  # a field count of -1


def rating_triples() -> RatingTriples:
    """Every rating, streamed with binary COPY straight into numpy arrays.

    At 25M ratings, fetching Python tuples would take minutes and gigabytes; the
    binary stream is 34 bytes a rating and parsed without a Python object per row.
    """
    buffer = bytearray()
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY (SELECT user_id::int8, movie_id::int8, score::float4 "
            f"FROM {Rating._meta.db_table}) TO STDOUT (FORMAT binary)"
        ) as copy,
    ):
        for block in copy:
            buffer += block
    body = memoryview(buffer)[_COPY_HEADER_BYTES : len(buffer) - _COPY_TRAILER_BYTES]
    rows = np.frombuffer(body, dtype=_TRIPLE_ROW)
    return RatingTriples.from_arrays(
        rows["user"].astype(np.int64), rows["movie"].astype(np.int64), rows["score"]
    )


def _vector_send(field: str) -> Func:
    return Func(F(field), function="vector_send", output_field=BinaryField())


def user_signals(
    *,
    user_id: int,
    like_threshold: float,
    liked_cap: int,
    include_watchlist: bool,
    vectors_of: Callable[[np.ndarray], list[np.ndarray | None]],
) -> UserSignals:
    """Ratings, not-interested and (optionally) watchlist ids, and the liked films.

    Only the `liked_cap` best (then most recent) likes count towards the taste,
    which bounds the work for users with thousands of ratings. Their embeddings
    come from `vectors_of` (the in-process catalogue), not from the database.
    """
    sql = f"""
        SELECT 'r', r.movie_id, r.score::float8,
               CASE WHEN r.score >= %(like)s AND row_number() OVER (
                   PARTITION BY r.score >= %(like)s ORDER BY r.score DESC, r.updated_at DESC
               ) <= %(cap)s THEN m.title END
          FROM {Rating._meta.db_table} r JOIN {Movie._meta.db_table} m ON m.id = r.movie_id
         WHERE r.user_id = %(user)s
        UNION ALL
        SELECT 'n', movie_id, NULL, NULL FROM {NotInterested._meta.db_table}
         WHERE user_id = %(user)s
    """
    if include_watchlist:
        sql += f"""
        UNION ALL
        SELECT 'w', movie_id, NULL, NULL FROM {WatchlistItem._meta.db_table}
         WHERE user_id = %(user)s
        """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"user": user_id, "like": like_threshold, "cap": liked_cap})
        rows = cursor.fetchall()
    rated = [row for row in rows if row[0] == "r"]
    liked = [row for row in rated if row[3] is not None]
    liked_ids = np.array([row[1] for row in liked], dtype=np.int64)
    return UserSignals(
        rated_ids=np.array([row[1] for row in rated], dtype=np.int64),
        rated_scores=np.array([row[2] for row in rated], dtype=np.float32),
        hidden_ids=np.array([row[1] for row in rows if row[0] != "r"], dtype=np.int64),
        liked_ids=liked_ids,
        liked_titles=[row[3] for row in liked],
        liked_vectors=vectors_of(liked_ids),
    )


def movie_embedding_matrix(*, movie_ids: np.ndarray) -> np.ndarray:
    """Unit embeddings aligned with `movie_ids` (zeros where missing), for offline evaluation."""
    position = {movie_id: i for i, movie_id in enumerate(movie_ids.tolist())}
    matrix = np.zeros((len(movie_ids), EMBEDDING_DIMENSIONS), dtype=np.float32)
    rows = Movie.objects.filter(pk__in=position, embedding__isnull=False).values_list(
        "pk", _vector_send("embedding")
    )
    for movie_id, data in rows.iterator(chunk_size=2000):
        matrix[position[movie_id]] = decode_vector(data)
    return unit_rows(matrix)


def movie_genre_masks(*, movie_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Genre name -> bool mask aligned with `movie_ids`, for offline evaluation (the
    serving catalogue copy holds the same masks)."""
    position = {movie_id: i for i, movie_id in enumerate(movie_ids.tolist())}
    masks: dict[str, np.ndarray] = {}
    links = Movie.genres.through.objects.filter(movie_id__in=position).values_list(
        "movie_id", "genre__name"
    )
    for movie_id, name in links.iterator(chunk_size=5000):
        masks.setdefault(name.casefold(), np.zeros(len(movie_ids), dtype=bool))[
            position[movie_id]
        ] = True
    return masks


def recommender_algorithm(*, user_id: int) -> Algorithm:
    """The recommender the user chose; the hybrid until they choose."""
    chosen = (
        RecommenderChoice.objects.filter(user_id=user_id)
        .values_list("algorithm", flat=True)
        .first()
    )
    return _algorithm_or_default(chosen)


def _algorithm_or_default(chosen: str | None) -> Algorithm:
    return Algorithm.HYBRID if chosen is None else Algorithm(chosen)
