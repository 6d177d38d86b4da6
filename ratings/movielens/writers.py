"""The MovieLens writers: stage a file's parsed rows, then write them with set-based SQL.

One writer per kind of file (movies, links, ratings, tags), each counting into the
file's FileReport, which also lists the rows rejected in SQL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db.backends.utils import CursorWrapper

from accounts.models import User
from catalog.importers.sql import (
    Rejected,
    column_defaults,
    copy_rows,
    create_staging_table,
    reject_duplicates,
    reject_rows,
    upsert,
)
from catalog.models import MAX_YEAR, MIN_YEAR, Genre, Movie
from ratings.models import MAX_SCORE, MIN_SCORE, Rating
from ratings.movielens.parsing import parse_link, parse_movie, parse_rating, parse_tag
from ratings.services import movie_rating_counters_lock, movie_rating_counters_recount

PROBLEMS_SHOWN = 20
TAGS_KEPT = 50
_MIN_SCORE, _MAX_SCORE = float(MIN_SCORE), float(MAX_SCORE)  # floats: parsed per rating
STAGE = "movielens_stage"
_TITLE_LENGTH = Movie._meta.get_field("title").max_length
_GENRE_LENGTH = Genre._meta.get_field("name").max_length
_TAG_LENGTH = Movie._meta.get_field("movielens_tags").base_field.max_length


@dataclass
class FileReport:
    """Counts for one file: what happened to the `noun` its rows describe.

    rows = inserted + updated + unchanged + skipped, except for tags, whose other
    counts are about movie tag lists rather than rows.
    """

    name: str
    noun: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    users_inserted: int | None = None  # ratings files only
    problems: list[tuple[int, str]] = field(default_factory=list)

    def problem(self, line: int, reason: str) -> None:
        self.skipped += 1
        if len(self.problems) < PROBLEMS_SHOWN:
            self.problems.append((line, reason))

    def rejected(self, rejected: Rejected, reason: Callable[..., str]) -> None:
        """Record rows removed in SQL; `reason` gets the returned columns after the line."""
        self.skipped += rejected.count
        found = [(row[0], reason(*row[1:])) for row in rejected.sample]
        self.problems = sorted(self.problems + found)[:PROBLEMS_SHOWN]

    def counted(self, *, inserted: int, updated: int) -> None:
        self.inserted, self.updated = inserted, updated
        self.unchanged = self.rows - self.skipped - inserted - updated

    def summary(self) -> str:
        text = (
            f"{self.name}: {self.rows} rows, {self.skipped} skipped; {self.noun}: "
            f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged"
        )
        if self.users_inserted is not None:
            text += f"; imported users: {self.users_inserted} inserted"
        return text


def stage_rows(cursor: CursorWrapper, *, kind: Kind, rows: Iterable[tuple]) -> None:
    """Fill a new staging table with `rows`: the line number, then the kind's columns."""
    create_staging_table(cursor, name=STAGE, columns={"line": "integer", **kind.columns})
    copy_rows(cursor, table=STAGE, columns=["line", *kind.columns], rows=rows)


# Writers: one per kind of file, each working on the filled staging table.

_MOVIE = Movie._meta.db_table
_GENRE = Genre._meta.db_table
_MOVIE_GENRES = Movie.genres.through._meta.db_table
_USER = User._meta.db_table
_RATING = Rating._meta.db_table


def _reject_unknown_movies(cursor: CursorWrapper, report: FileReport) -> None:
    rejected = reject_rows(
        cursor,
        table=STAGE,
        where=f"NOT EXISTS (SELECT 1 FROM {_MOVIE} AS m WHERE m.movielens_id = s.movie_id)",
        returning="s.movie_id",
    )
    report.rejected(rejected, lambda movie_id: f"unknown movie {movie_id}")


def write_movies(cursor: CursorWrapper, report: FileReport) -> None:
    dropped = reject_duplicates(cursor, table=STAGE, key=["movie_id"])
    report.rejected(dropped, lambda movie_id: f"movie {movie_id} is repeated later; the last wins")
    genre = column_defaults(Genre, provided={"name"})
    cursor.execute(
        f"INSERT INTO {_GENRE} (name{genre.sql_columns()}) "
        f"SELECT DISTINCT g.name{genre.sql_values()} "
        f"FROM {STAGE} AS s, unnest(s.genres) AS g(name) ON CONFLICT (name) DO NOTHING",
        genre.params,
    )
    movie = column_defaults(Movie, provided={"movielens_id", "title", "movielens_title", "year"})
    # MovieLens' own spelling alone is not embedded: recording it re-embeds nothing.
    movies = upsert(
        cursor,
        statement=f"""
            INSERT INTO {_MOVIE} AS m
                (movielens_id, title, movielens_title, year{movie.sql_columns()})
            SELECT s.movie_id, s.title, s.movielens_title, s.year{movie.sql_values()}
            FROM {STAGE} AS s
            ON CONFLICT (movielens_id) DO UPDATE
            SET title = EXCLUDED.title, movielens_title = EXCLUDED.movielens_title,
                year = EXCLUDED.year, updated_at = now(),
                needs_embedding = m.needs_embedding
                    OR (m.title, m.year) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.year)
            WHERE (m.title, m.movielens_title, m.year)
                  IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.movielens_title, EXCLUDED.year)""",
        params=movie.params,
        collect="m.id",
    )
    # Genre links are synced as sets: add the missing pairs, delete the stale ones.
    cursor.execute(f"""
        WITH wanted AS (
            SELECT m.id AS movie_id, g.id AS genre_id
            FROM {STAGE} AS s
            JOIN {_MOVIE} AS m ON m.movielens_id = s.movie_id
            CROSS JOIN LATERAL unnest(s.genres) AS n(name)
            JOIN {_GENRE} AS g ON g.name = n.name
        ), removed AS (
            DELETE FROM {_MOVIE_GENRES} AS mg
            USING {STAGE} AS s, {_MOVIE} AS m
            WHERE m.movielens_id = s.movie_id AND mg.movie_id = m.id
              AND NOT EXISTS (SELECT 1 FROM wanted AS w
                              WHERE w.movie_id = mg.movie_id AND w.genre_id = mg.genre_id)
            RETURNING mg.movie_id
        ), added AS (
            INSERT INTO {_MOVIE_GENRES} (movie_id, genre_id)
            SELECT movie_id, genre_id FROM wanted
            ON CONFLICT DO NOTHING
            RETURNING movie_id
        )
        SELECT array_agg(DISTINCT movie_id)
        FROM (SELECT movie_id FROM removed UNION ALL SELECT movie_id FROM added) AS changed""")
    genres_changed = set(cursor.fetchone()[0] or ()) - set(movies.keys)
    if genres_changed:
        cursor.execute(
            f"UPDATE {_MOVIE} SET needs_embedding = TRUE, updated_at = now() "
            "WHERE id = ANY(%(ids)s)",
            {"ids": sorted(genres_changed)},
        )
    report.counted(inserted=movies.inserted, updated=movies.updated + len(genres_changed))


def write_links(cursor: CursorWrapper, report: FileReport) -> None:
    _reject_unknown_movies(cursor, report)
    dropped = reject_duplicates(cursor, table=STAGE, key=["movie_id"])
    report.rejected(dropped, lambda movie_id: f"movie {movie_id} is repeated later; the last wins")
    cursor.execute(f"""
        UPDATE {_MOVIE} AS m
        SET imdb_id = COALESCE(s.imdb_id, m.imdb_id), tmdb_id = COALESCE(s.tmdb_id, m.tmdb_id),
            updated_at = now()
        FROM {STAGE} AS s
        WHERE m.movielens_id = s.movie_id
          AND (m.imdb_id, m.tmdb_id)
              IS DISTINCT FROM (COALESCE(s.imdb_id, m.imdb_id), COALESCE(s.tmdb_id, m.tmdb_id))""")
    report.counted(inserted=0, updated=cursor.rowcount)


@functools.cache
def _unusable_password() -> str:
    # One "!..." value for every imported user: hashing 100k times would cost minutes.
    return make_password(None)


def write_ratings(cursor: CursorWrapper, report: FileReport) -> None:
    _reject_unknown_movies(cursor, report)
    dropped = reject_duplicates(cursor, table=STAGE, key=["user_id", "movie_id"])
    report.rejected(
        dropped, lambda user, movie: f"user {user} rates movie {movie} again later; the last wins"
    )
    user = column_defaults(
        User, provided={"username", "password", "is_imported", "movielens_id", "date_joined"}
    )
    users = upsert(
        cursor,
        statement=f"""
            INSERT INTO {_USER} (username, password, is_imported, movielens_id, date_joined
                                 {user.sql_columns()})
            SELECT 'movielens-' || s.user_id, %(password)s, TRUE, s.user_id, to_timestamp(min(s.ts))
                   {user.sql_values()}
            FROM {STAGE} AS s GROUP BY s.user_id
            ON CONFLICT DO NOTHING""",
        params={**user.params, "password": _unusable_password()},
    )
    taken = reject_rows(
        cursor,
        table=STAGE,
        where=f"NOT EXISTS (SELECT 1 FROM {_USER} AS u WHERE u.movielens_id = s.user_id)",
        returning="s.user_id",
    )
    report.rejected(taken, lambda u: f"user {u}: username movielens-{u} belongs to another account")
    rating = column_defaults(
        Rating, provided={"user_id", "movie_id", "score", "created_at", "updated_at"}
    )
    ratings = upsert(
        cursor,
        statement=f"""
            INSERT INTO {_RATING} AS r (user_id, movie_id, score, created_at, updated_at
                                        {rating.sql_columns()})
            SELECT u.id, m.id, s.score, to_timestamp(s.ts), to_timestamp(s.ts){rating.sql_values()}
            FROM {STAGE} AS s
            JOIN {_USER} AS u ON u.movielens_id = s.user_id
            JOIN {_MOVIE} AS m ON m.movielens_id = s.movie_id
            ON CONFLICT (user_id, movie_id) DO UPDATE
            SET score = EXCLUDED.score, updated_at = EXCLUDED.updated_at
            WHERE r.score IS DISTINCT FROM EXCLUDED.score""",
        params=rating.params,
        collect="r.movie_id",
    )
    if ratings.keys:
        # Locked first, as the rating services do: then every concurrent rating of these
        # movies has either committed (and is counted) or waits for this transaction.
        movie_rating_counters_lock(movie_ids=ratings.keys)
        movie_rating_counters_recount(movie_ids=ratings.keys)
    report.users_inserted = users.inserted
    report.counted(inserted=ratings.inserted, updated=ratings.updated)


def write_tags(cursor: CursorWrapper, report: FileReport) -> None:
    """Replace each movie's tag list with the file's; movies no longer tagged get an empty list.

    Tags are merged case-insensitively under their most common spelling and
    ranked by how often they were applied.
    """
    _reject_unknown_movies(cursor, report)
    cursor.execute(
        f"""
        WITH counted AS (
            SELECT m.id AS movie_id, lower(s.tag) AS key, count(*) AS uses,
                   mode() WITHIN GROUP (ORDER BY s.tag) AS tag
            FROM {STAGE} AS s JOIN {_MOVIE} AS m ON m.movielens_id = s.movie_id
            GROUP BY m.id, lower(s.tag)
        ), ranked AS (
            SELECT movie_id, tag,
                   row_number() OVER (PARTITION BY movie_id ORDER BY uses DESC, key) AS rank
            FROM counted
        ), lists AS (
            SELECT movie_id, array_agg(tag ORDER BY rank)::varchar[] AS tags
            FROM ranked WHERE rank <= %(kept)s GROUP BY movie_id
        ), target AS (
            SELECT m.id AS movie_id, COALESCE(l.tags, '{{}}') AS tags
            FROM {_MOVIE} AS m LEFT JOIN lists AS l ON l.movie_id = m.id
            WHERE l.movie_id IS NOT NULL OR m.movielens_tags <> '{{}}'
        ), changed AS (
            UPDATE {_MOVIE} AS m SET movielens_tags = t.tags, needs_embedding = TRUE,
                                     updated_at = now()
            FROM target AS t
            WHERE m.id = t.movie_id AND m.movielens_tags IS DISTINCT FROM t.tags
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM changed)""",
        {"kept": TAGS_KEPT},
    )
    lists, changed = cursor.fetchone()
    report.inserted, report.updated, report.unchanged = 0, changed, lists - changed


@dataclass(frozen=True)
class Kind:
    """What a file holds: its staging columns (after `line`) and the writer applying them."""

    noun: str
    columns: dict[str, str]
    parse: Callable[[list[str]], tuple]
    write: Callable[[CursorWrapper, FileReport], None]


KINDS = {
    "movies": Kind(
        "movies",
        {
            "movie_id": "integer",
            "title": "text",
            "movielens_title": "text",
            "year": "smallint",
            "genres": "text[]",
        },
        functools.partial(
            parse_movie,
            title_length=_TITLE_LENGTH,
            genre_length=_GENRE_LENGTH,
            years=range(MIN_YEAR, MAX_YEAR + 1),
        ),
        write_movies,
    ),
    "links": Kind(
        "movies",
        {"movie_id": "integer", "imdb_id": "text", "tmdb_id": "integer"},
        parse_link,
        write_links,
    ),
    "ratings": Kind(
        "ratings",
        {"user_id": "integer", "movie_id": "integer", "score": "numeric(2, 1)", "ts": "bigint"},
        functools.partial(parse_rating, min_score=_MIN_SCORE, max_score=_MAX_SCORE),
        write_ratings,
    ),
    "tags": Kind(
        "movie tag lists",
        {"user_id": "integer", "movie_id": "integer", "tag": "text", "ts": "bigint"},
        functools.partial(parse_tag, tag_length=_TAG_LENGTH),
        write_tags,
    ),
}
