"""Synthetic raters over the current catalogue, to measure training and serving at scales
the real datasets don't reach (docs/scaling.md). `manage.py generate_synthetic`.

Set-based: the ratings are drawn as numpy arrays, COPYed into a staging table and
inserted with one statement, so 2M ratings take seconds of SQL, not hours of ORM.
The data has the two properties that drive ALS cost and recommendation quality:
a long-tailed popularity (Zipf over the current popularity order) and per-user
tastes (each user favours one cluster of genres).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Q

from accounts.models import User
from catalog.importers.sql import column_defaults, copy_rows, create_staging_table, upsert
from catalog.models import Movie
from ratings.models import Rating
from ratings.services import movie_rating_counters_recount
from ratings.stars import MAX_SCORE, MIN_SCORE

# Imported users must have a MovieLens id; real MovieLens ids stay far below this.
MOVIELENS_ID_OFFSET = 1_000_000_000
USERNAME_PREFIX = "synthetic-"
ZIPF_EXPONENT = 0.9
TASTE_CLUSTERS = 12
IN_TASTE_SHARE = 0.7  # of a user's ratings drawn from their favourite cluster
STAGE = "stage_synthetic_ratings"


@dataclass(frozen=True)
class SyntheticReport:
    users_inserted: int
    ratings_inserted: int

    def summary(self) -> str:
        return f"{self.users_inserted} synthetic users, {self.ratings_inserted} ratings inserted."


def _catalogue() -> tuple[np.ndarray, np.ndarray]:
    """Visible movie ids in popularity order, and each one's taste cluster (from a genre).

    Popularity counts only real ratings, so that a rerun sees the same order as the
    first run (the synthetic ratings it added would reorder the catalogue otherwise).
    """
    real = Q(ratings__user__movielens_id__isnull=True) | Q(
        ratings__user__movielens_id__lt=MOVIELENS_ID_OFFSET
    )
    ids = list(
        Movie.objects.visible()
        .annotate(real_ratings=Count("ratings", filter=real))
        .order_by("-real_ratings", "pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise ValueError("The catalogue is empty: import movies first.")
    genre_of = dict(
        Movie.genres.through.objects.order_by("movie_id", "genre_id").values_list(
            "movie_id", "genre_id"
        )
    )
    clusters = [genre_of.get(pk, 0) % TASTE_CLUSTERS for pk in ids]
    return np.array(ids, dtype=np.int64), np.array(clusters, dtype=np.int64)


def synthetic_ratings(
    *, users: int, ratings: int, movie_clusters: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user index, movie position, score) arrays, unique per (user, movie).

    Movie positions index the popularity-ordered catalogue. Draws are made with
    replacement in bulk and de-duplicated, then topped up, instead of sampling
    without replacement per user (which would be users x movies work).
    """
    if ratings > users * len(movie_clusters) // 2:
        raise ValueError("Too many ratings for this many users and movies (max half full).")
    rng = np.random.default_rng(seed)
    movies = len(movie_clusters)
    popularity = 1.0 / np.arange(1, movies + 1) ** ZIPF_EXPONENT
    by_cluster = [np.flatnonzero(movie_clusters == c) for c in range(TASTE_CLUSTERS)]
    cluster_p = [popularity[m] / popularity[m].sum() for m in by_cluster]
    taste = rng.integers(0, TASTE_CLUSTERS, size=users)
    # Heavy-tailed activity, like real raters: most rate a little, a few rate a lot.
    activity = rng.lognormal(mean=0.0, sigma=1.0, size=users)
    activity /= activity.sum()

    keys = np.empty(0, dtype=np.int64)
    while len(keys) < ratings:
        n = int((ratings - len(keys)) * 1.3) + 16
        user = rng.choice(users, size=n, p=activity)
        movie = rng.choice(movies, size=n, p=popularity / popularity.sum())
        in_taste = rng.random(n) < IN_TASTE_SHARE
        for cluster, members in enumerate(by_cluster):
            pick = in_taste & (taste[user] == cluster)
            if len(members) and pick.any():
                movie[pick] = rng.choice(members, size=int(pick.sum()), p=cluster_p[cluster])
        keys = np.unique(np.concatenate([keys, user.astype(np.int64) * movies + movie]))
    keys = rng.choice(keys, size=ratings, replace=False)
    user, movie = keys // movies, keys % movies
    liked = movie_clusters[movie] == taste[user]
    raw = rng.normal(3.3, 0.9, size=ratings) + np.where(liked, 0.8, -0.3)
    score = np.clip(np.round(raw * 2) / 2, float(MIN_SCORE), float(MAX_SCORE))  # half stars
    return user, movie, score


def synthetic_generate(*, users: int, ratings: int, seed: int = 0) -> SyntheticReport:
    """Add `users` imported-style raters with `ratings` ratings in total; rerunning with the
    same arguments changes nothing (same users, same draws, conflicts skipped)."""
    movie_ids, clusters = _catalogue()
    user_idx, movie_pos, score = synthetic_ratings(
        users=users, ratings=ratings, movie_clusters=clusters, seed=seed
    )
    user_cols = column_defaults(
        User, provided={"username", "password", "is_imported", "movielens_id", "date_joined"}
    )
    rating_cols = column_defaults(
        Rating, provided={"user_id", "movie_id", "score", "created_at", "updated_at"}
    )
    with transaction.atomic(), connection.cursor() as cursor:
        created = upsert(
            cursor,
            statement=f"""
                INSERT INTO {User._meta.db_table} (username, password, is_imported, movielens_id,
                                                   date_joined {user_cols.sql_columns()})
                SELECT %(prefix)s || i, '!synthetic', TRUE, %(offset)s + i, now()
                       {user_cols.sql_values()}
                FROM generate_series(0, %(users)s - 1) AS i
                ON CONFLICT DO NOTHING""",
            params={
                **user_cols.params,
                "prefix": USERNAME_PREFIX,
                "offset": MOVIELENS_ID_OFFSET,
                "users": users,
            },
        )
        create_staging_table(
            cursor, name=STAGE, columns={"u": "integer", "movie_id": "bigint", "score": "numeric"}
        )
        copy_rows(
            cursor,
            table=STAGE,
            columns=["u", "movie_id", "score"],
            rows=zip(user_idx.tolist(), movie_ids[movie_pos].tolist(), score.tolist(), strict=True),
        )
        inserted = upsert(
            cursor,
            statement=f"""
                INSERT INTO {Rating._meta.db_table} AS r (user_id, movie_id, score, created_at,
                                                          updated_at {rating_cols.sql_columns()})
                SELECT u.id, s.movie_id, s.score, now(), now() {rating_cols.sql_values()}
                FROM {STAGE} AS s
                JOIN {User._meta.db_table} AS u ON u.movielens_id = %(offset)s + s.u
                ON CONFLICT (user_id, movie_id) DO NOTHING""",
            params={**rating_cols.params, "offset": MOVIELENS_ID_OFFSET},
        )
        # Exact counters, recomputed for every movie in one statement.
        movie_rating_counters_recount()
    return SyntheticReport(users_inserted=created.inserted, ratings_inserted=inserted.inserted)
