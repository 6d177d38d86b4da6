"""Import TMDB cast and crew onto existing movies, as people and their credits.

Two Kaggle layouts are read, told apart by their header:

* TMDB 5000 (`tmdb_5000_credits.csv`: movie_id, title, cast, crew): JSON columns.
* The Movies Dataset (`credits.csv`: cast, crew, id): Python-literal columns, with
  people's profile paths.

Only the crew jobs the site shows are kept (`CREW_ROLES`). A file row replaces its
movie's credits as a whole; a row with neither cast nor crew leaves them as they are.
Problems are reported per line and never fatal; everything is applied set-based from
a staging table in one transaction, which the TMDB API enrichment reuses.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from catalog.importers.sql import UpsertCounts, copy_rows, create_staging_table, upsert
from catalog.importers.tmdb import (
    ImportReport,
    Malformed,
    TmdbImportError,
    csv_records,
    detect_layout,
    open_csv,
    parse_literal,
    parse_tmdb_id,
    read_header,
    row_values,
)
from catalog.models import Credit, Movie, Person
from jobs.progress import Progress

# TMDB crew jobs kept, and the role each becomes.
CREW_ROLES = {
    "Director": Credit.Role.DIRECTOR,
    "Screenplay": Credit.Role.WRITER,
    "Writer": Credit.Role.WRITER,
}
_NAME_MAX = Person._meta.get_field("name").max_length
_CHARACTER_MAX = Credit._meta.get_field("character").max_length
_PROFILE_MAX = Person._meta.get_field("profile_path").max_length


@dataclass(frozen=True)
class _Layout:
    label: str
    id_column: str

    @property
    def columns(self) -> frozenset[str]:
        return frozenset({self.id_column, "cast", "crew"})


_LAYOUTS = (
    _Layout(label="TMDB 5000", id_column="movie_id"),
    _Layout(label="The Movies Dataset", id_column="id"),
)


@dataclass(kw_only=True)
class TmdbCreditsReport(ImportReport):
    """What a credits import did: movies counted once, the other counts count file rows."""

    movies_changed: int = 0
    movies_unchanged: int = 0
    unmatched: int = 0
    # Rows with neither cast nor crew (after dropping unusable entries): movie left as it was.
    empty: int = 0
    entries_skipped: int = 0
    people_added: int = 0

    def counts(self) -> str:
        return (
            f"{self.rows_read} rows read; credits of {self.movies_changed} movies changed, "
            f"{self.movies_unchanged} unchanged; {self.people_added} people added; "
            f"{self.unmatched} rows matched no movie; {self.empty} rows without credits; "
            f"{self.malformed} malformed rows skipped; {self.duplicates} repeated TMDB ids "
            f"skipped; {self.entries_skipped} unusable cast or crew entries skipped."
        )


class StagedCredit(NamedTuple):
    """One credit read from a file row or an API response; `line` says where from."""

    line: int
    movie_tmdb_id: int
    person_tmdb_id: int
    name: str
    profile_path: str | None
    role: str
    character: str
    position: int


def tmdb_credits_import(*, path: Path, progress: Progress) -> TmdbCreditsReport:
    """Replace the credits of the movies in tmdb_5000_credits.csv or credits.csv.

    Movies are matched on tmdb_id. People are created or updated (name, and profile
    path when the file has one). Movies whose credits changed get needs_embedding,
    since their document names directors and cast. Raises TmdbImportError, writing
    nothing, when the file cannot be imported at all.
    """
    if not path.is_file():
        raise TmdbImportError(f"{path}: no such file.")
    report = TmdbCreditsReport(path=path)
    with open_csv(path) as handle:
        records = csv_records(handle)
        header = read_header(records, path=path)
        layout = detect_layout(
            header, path=path, layouts=_LAYOUTS, files="tmdb_5000_credits.csv or credits.csv"
        )
        report.layout = layout.label
        progress.stage(f"Reading {path.name}")
        credits = _parse_rows(
            records, header=header, layout=layout, report=report, progress=progress
        )
        with transaction.atomic(), connection.cursor() as cursor:
            credits_stage(cursor, credits=credits)
            if not report.rows_read:
                raise TmdbImportError(f"{path}: no data rows after the header.")
            progress.stage("Updating credits")
            applied = credits_apply(cursor)
    report.movies_changed = len(applied.changed_movie_ids)
    report.movies_unchanged = applied.movies_matched - report.movies_changed
    report.unmatched = applied.unmatched_lines
    report.people_added = applied.people_added
    progress.advance(applied.movies_matched)
    return report


def _parse_rows(
    records: Iterator[tuple[int, list[str] | csv.Error]],
    *,
    header: list[str],
    layout: _Layout,
    report: TmdbCreditsReport,
    progress: Progress,
) -> Iterator[StagedCredit]:
    file = report.path.name
    first_line_by_id: dict[int, int] = {}
    for line, fields in records:
        report.rows_read += 1
        progress.advance()
        try:
            values = row_values(fields, header=header)
            movie_tmdb_id = parse_tmdb_id(values[layout.id_column])
            cast = _entries(values["cast"], column="cast")
            crew = _entries(values["crew"], column="crew")
        except Malformed as exc:
            # Half a row's credits would replace the movie's full set: skip it whole.
            report.malformed += 1
            report.add_problem(file=file, line=line, reason=f"{exc}; row skipped")
            continue
        if movie_tmdb_id in first_line_by_id:
            report.duplicates += 1
            first = first_line_by_id[movie_tmdb_id]
            report.add_problem(
                file=file,
                line=line,
                reason=f"TMDB id {movie_tmdb_id} repeats line {first}; row skipped",
            )
            continue
        first_line_by_id[movie_tmdb_id] = line
        problems: list[str] = []
        credits = movie_credits(
            movie_tmdb_id=movie_tmdb_id, cast=cast, crew=crew, line=line, problems=problems
        )
        for problem in problems:
            report.add_problem(file=file, line=line, reason=f"{problem}; entry skipped")
        report.entries_skipped += len(problems)
        if not credits:
            report.empty += 1
        yield from credits


def _entries(raw: str, *, column: str) -> list[dict]:
    try:
        entries = parse_literal(raw)
    except Malformed as exc:
        raise Malformed(f"{column}: {exc}") from None
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise Malformed(f"{column}: not a list of objects")
    return entries


def movie_credits(
    *, movie_tmdb_id: int, cast: list[dict], crew: list[dict], line: int, problems: list[str]
) -> list[StagedCredit]:
    """One movie's credits from TMDB's cast and crew objects (files and the API alike).

    Cast keeps TMDB's billing order; a person listed twice plays "A / B". Crew keeps
    the jobs in CREW_ROLES, one credit per person and role. Unusable entries are
    left out, each with a reason appended to `problems`.
    """
    by_key: dict[tuple[int, str], StagedCredit] = {}
    billed = sorted(
        enumerate(cast),
        key=lambda item: (
            (item[1]["order"], item[0])
            if isinstance(item[1].get("order"), int)
            else (2**31, item[0])
        ),
    )
    entries = [("cast", index, entry, Credit.Role.CAST) for index, entry in billed]
    entries += [
        ("crew", index, entry, CREW_ROLES[entry.get("job")])
        for index, entry in enumerate(crew)
        if entry.get("job") in CREW_ROLES
    ]
    positions = dict.fromkeys(Credit.Role.values, 0)
    for column, index, entry, role in entries:
        try:
            person_tmdb_id, name, profile_path = _person(entry)
            character = _character(entry) if role == Credit.Role.CAST else ""
        except Malformed as exc:
            problems.append(f"{column}[{index}]: {exc}")
            continue
        key = (person_tmdb_id, role)
        if key in by_key:
            known = by_key[key]
            if character and character not in known.character.split(" / "):
                merged = f"{known.character} / {character}" if known.character else character
                by_key[key] = known._replace(character=merged[:_CHARACTER_MAX])
            continue
        by_key[key] = StagedCredit(
            line=line,
            movie_tmdb_id=movie_tmdb_id,
            person_tmdb_id=person_tmdb_id,
            name=name,
            profile_path=profile_path,
            role=role,
            character=character,
            position=positions[role],
        )
        positions[role] += 1
    return list(by_key.values())


def _person(entry: dict) -> tuple[int, str, str | None]:
    try:
        person_tmdb_id = parse_tmdb_id(str(entry.get("id", "")))
    except Malformed as exc:
        raise Malformed(f"person {exc}") from None
    name = entry.get("name")
    if not isinstance(name, str) or not (name := name.replace("\x00", "").strip()):
        raise Malformed("no name")
    if len(name) > _NAME_MAX:
        raise Malformed(f"name of {len(name)} characters, more than the {_NAME_MAX} allowed")
    profile_path = entry.get("profile_path")
    if profile_path is not None and (
        not isinstance(profile_path, str) or len(profile_path) > _PROFILE_MAX
    ):
        raise Malformed(f"profile_path {str(profile_path)[:40]!r} is not a TMDB image path")
    return person_tmdb_id, name, (profile_path or "").strip() or None


def _character(entry: dict) -> str:
    character = entry.get("character") or ""
    if not isinstance(character, str):
        raise Malformed(f"character {str(character)[:40]!r} is not text")
    character = character.replace("\x00", "").strip()
    if len(character) > _CHARACTER_MAX:
        raise Malformed(
            f"character of {len(character)} characters, more than the {_CHARACTER_MAX} allowed"
        )
    return character


# --- Applying staged credits (set-based; shared with the TMDB API enrichment) ---------------

_STAGING_TABLE = "tmdb_credits_staging"
_STAGING_COLUMNS = {
    "line": "integer NOT NULL",
    "movie_tmdb_id": "integer NOT NULL",
    "person_tmdb_id": "integer NOT NULL",
    "name": "text NOT NULL",
    "profile_path": "text",
    "role": "text NOT NULL",
    "character": "text NOT NULL",
    "position": "integer NOT NULL",
}
_DESIRED_TABLE = "tmdb_credits_desired"
_DESIRED_COLUMNS = {
    "movie_id": "bigint NOT NULL",
    "person_id": "bigint NOT NULL",
    "role": "text NOT NULL",
    "character": "text NOT NULL",
    "position": "integer NOT NULL",
}
_MOVIES = Movie._meta.db_table
_PEOPLE = Person._meta.db_table
_CREDITS = Credit._meta.db_table


@dataclass(frozen=True)
class CreditsApplied:
    movies_matched: int
    changed_movie_ids: list[int]
    unmatched_lines: int
    people_added: int


def credits_stage(cursor: CursorWrapper, *, credits: Iterable[StagedCredit]) -> int:
    """COPY credits into this transaction's staging table; return how many."""
    create_staging_table(cursor, name=_STAGING_TABLE, columns=_STAGING_COLUMNS)
    return copy_rows(cursor, table=_STAGING_TABLE, columns=StagedCredit._fields, rows=credits)


def _people_upsert(cursor: CursorWrapper) -> UpsertCounts:
    """The people of the staged credits whose movie is known: the last staged name wins, a
    blank profile path keeps the known one; unchanged people are not rewritten."""
    return upsert(
        cursor,
        statement=f"""
            INSERT INTO {_PEOPLE} AS p (tmdb_id, name, profile_path)
            SELECT s.person_tmdb_id,
                   (array_agg(s.name ORDER BY s.line DESC))[1],
                   coalesce((array_agg(s.profile_path ORDER BY s.line DESC)
                             FILTER (WHERE s.profile_path IS NOT NULL))[1], '')
            FROM {_STAGING_TABLE} s
            WHERE EXISTS (SELECT 1 FROM {_MOVIES} m WHERE m.tmdb_id = s.movie_tmdb_id)
            GROUP BY s.person_tmdb_id
            ON CONFLICT (tmdb_id) DO UPDATE SET
                name = EXCLUDED.name,
                profile_path = coalesce(nullif(EXCLUDED.profile_path, ''), p.profile_path)
            WHERE (p.name, p.profile_path) IS DISTINCT FROM
                  (EXCLUDED.name, coalesce(nullif(EXCLUDED.profile_path, ''), p.profile_path))
        """,
        collect="p.id",
    )


def credits_apply(cursor: CursorWrapper) -> CreditsApplied:
    """Make the staged movies' credits exactly the staged ones; mark the movies whose
    documents may have changed dirty (changed credits, or a renamed person in them).

    People of matched movies are upserted first (the last staged name wins; a blank
    profile path keeps the known one). Unchanged credits are not rewritten, so a
    repeated import changes nothing.
    """
    people = _people_upsert(cursor)
    create_staging_table(cursor, name=_DESIRED_TABLE, columns=_DESIRED_COLUMNS)
    cursor.execute(
        f"""
        INSERT INTO {_DESIRED_TABLE} (movie_id, person_id, role, character, position)
        SELECT m.id, p.id, s.role, s.character, s.position
        FROM {_STAGING_TABLE} s
        JOIN {_MOVIES} m ON m.tmdb_id = s.movie_tmdb_id
        JOIN {_PEOPLE} p ON p.tmdb_id = s.person_tmdb_id
        """
    )
    cursor.execute(f"ANALYZE {_DESIRED_TABLE}")
    cursor.execute(
        f"""
        DELETE FROM {_CREDITS} c
        WHERE c.movie_id IN (SELECT movie_id FROM {_DESIRED_TABLE})
          AND NOT EXISTS (
              SELECT 1 FROM {_DESIRED_TABLE} d
              WHERE d.movie_id = c.movie_id AND d.person_id = c.person_id AND d.role = c.role
          )
        RETURNING c.movie_id
        """
    )
    changed = {movie_id for (movie_id,) in cursor.fetchall()}
    written = upsert(
        cursor,
        statement=f"""
            INSERT INTO {_CREDITS} AS c (movie_id, person_id, role, character, position)
            SELECT movie_id, person_id, role, character, position FROM {_DESIRED_TABLE}
            ON CONFLICT (movie_id, person_id, role) DO UPDATE SET
                character = EXCLUDED.character, position = EXCLUDED.position
            WHERE (c.character, c.position) IS DISTINCT FROM (EXCLUDED.character, EXCLUDED.position)
        """,
        collect="c.movie_id",
    )
    changed.update(written.keys)
    # A renamed person changes the documents of all their films, in this file or not.
    cursor.execute(
        f"""
        UPDATE {_MOVIES} SET needs_embedding = true
        WHERE NOT needs_embedding
          AND (id = ANY(%s)
               OR id IN (SELECT movie_id FROM {_CREDITS} WHERE person_id = ANY(%s)))
        """,
        [sorted(changed), people.keys],
    )
    cursor.execute(
        f"""
        SELECT (SELECT count(DISTINCT movie_id) FROM {_DESIRED_TABLE}),
               (SELECT count(DISTINCT s.line) FROM {_STAGING_TABLE} s
                WHERE NOT EXISTS (SELECT 1 FROM {_MOVIES} m WHERE m.tmdb_id = s.movie_tmdb_id))
        """
    )
    matched, unmatched = cursor.fetchone()
    return CreditsApplied(
        movies_matched=matched,
        changed_movie_ids=sorted(changed),
        unmatched_lines=unmatched,
        people_added=people.inserted,
    )
