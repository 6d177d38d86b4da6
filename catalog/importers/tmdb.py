"""Import TMDB metadata (overview, tagline, keywords, runtime, ...) onto existing movies.

Two Kaggle layouts are read, told apart by their header:

* TMDB 5000 (`tmdb_5000_movies.csv`): JSON columns, keywords inline.
* The Movies Dataset (`movies_metadata.csv`): Python-literal columns, some rows
  broken or shifted, keywords in an optional sibling `keywords.csv`, and an
  `imdb_id` used to match movies that have no TMDB id yet.

Rows are parsed in Python (problems are reported per line, never fatal), COPYed
into a temporary table, and applied with one UPDATE that skips unchanged movies,
all in one transaction.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import ClassVar, NamedTuple, Protocol, TextIO, TypeVar

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from catalog.importers.sql import copy_rows, create_staging_table
from catalog.models import MAX_YEAR, MIN_YEAR, Movie
from jobs.progress import Progress

T = TypeVar("T")


class FileLayout(Protocol):
    """A layout of a TMDB file: its name, and the columns that identify it."""

    label: str

    @property
    def columns(self) -> frozenset[str]: ...


L = TypeVar("L", bound=FileLayout)

# Some overviews run to many kilobytes; the csv default (128 KiB) is a per-field cap,
# and 2**31 - 1 is the largest value every platform's C long accepts.
# Mirrors the `movie_year_plausible` check constraint, so one bad date cannot abort the UPDATE.
_YEAR_RANGE = range(MIN_YEAR, MAX_YEAR + 1)
_RUNTIME_MAX = 32767  # PositiveSmallIntegerField
_IMDB_ID = re.compile(r"tt(\d+)")
_KEYWORDS_SIDECAR = "keywords.csv"


class TmdbImportError(Exception):
    """The file as a whole cannot be imported (missing, empty, unknown layout)."""


class Malformed(ValueError):
    """One value cannot be used; the message says why."""


@dataclass(frozen=True)
class _Layout:
    label: str
    columns: frozenset[str]
    # False: keywords come from keywords.csv next to the file (The Movies Dataset).
    keywords_inline: bool


_COMMON_COLUMNS = {"id", "overview", "tagline", "runtime", "original_language", "release_date"}
_TMDB_5000 = _Layout(
    label="TMDB 5000", columns=frozenset(_COMMON_COLUMNS | {"keywords"}), keywords_inline=True
)
_MOVIES_METADATA = _Layout(
    label="The Movies Dataset",
    columns=frozenset(_COMMON_COLUMNS | {"imdb_id", "poster_path"}),
    keywords_inline=False,
)
# The Movies Dataset first: its header is the richer one.
_LAYOUTS = (_MOVIES_METADATA, _TMDB_5000)


@dataclass(kw_only=True)
class ImportReport:
    """The file, its layout and the problems met reading it; each import adds its counts."""

    path: Path
    layout: str = ""
    rows_read: int = 0
    malformed: int = 0
    duplicates: int = 0
    # Every problem, as "file:LINE: reason"; summary() prints only the first few.
    problems: list[str] = field(default_factory=list)

    PRINTED_PROBLEMS: ClassVar[int] = 20

    def add_problem(self, *, file: str, line: int, reason: str) -> None:
        self.problems.append(f"{file}:{line}: {reason}")

    def counts(self) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        lines = [f"{self.path.name} ({self.layout}): {self.counts()}"]
        if self.problems:
            lines.append(f"{len(self.problems)} problems:")
            lines.extend(f"  {problem}" for problem in self.problems[: self.PRINTED_PROBLEMS])
            hidden = len(self.problems) - self.PRINTED_PROBLEMS
            if hidden > 0:
                lines.append(f"  ... and {hidden} more")
        return "\n".join(lines)


@dataclass(kw_only=True)
class TmdbImportReport(ImportReport):
    """What an import did. `updated`/`unchanged` count movies; the other counts count file rows."""

    updated: int = 0
    unchanged: int = 0
    unmatched: int = 0

    def counts(self) -> str:
        return (
            f"{self.rows_read} rows read; "
            f"{self.updated} movies updated, {self.unchanged} unchanged; "
            f"{self.unmatched} rows matched no movie; {self.malformed} malformed rows skipped; "
            f"{self.duplicates} repeated TMDB ids skipped."
        )


class _StagedRow(NamedTuple):
    """One parsed file row; None means "the file says nothing, keep the movie's value"."""

    line: int
    tmdb_id: int
    imdb_id: str | None
    overview: str | None
    tagline: str | None
    keywords: list[str] | None
    runtime: int | None
    language: str | None
    poster_path: str | None
    year: int | None


def tmdb_metadata_import(*, path: Path, progress: Progress) -> TmdbImportReport:
    """Fill overview, tagline, keywords, runtime, language, poster path and missing years.

    Movies are matched on tmdb_id (or, for The Movies Dataset, on imdb_id when the
    movie has no tmdb_id, which is then filled in). Blank or unusable values keep
    what the movie has. Movies whose embedded text changed get needs_embedding.
    Raises TmdbImportError, writing nothing, when the file cannot be imported at all.
    """
    if not path.is_file():
        raise TmdbImportError(f"{path}: no such file.")
    report = TmdbImportReport(path=path)
    with open_csv(path) as handle:
        records = csv_records(handle)
        header = read_header(records, path=path)
        layout = detect_layout(
            header, path=path, layouts=_LAYOUTS, files="tmdb_5000_movies.csv or movies_metadata.csv"
        )
        report.layout = layout.label
        keywords_by_id = (
            None
            if layout.keywords_inline
            else _read_sidecar_keywords(path, report=report, progress=progress)
        )
        progress.stage(f"Reading {path.name}")
        rows = _parse_rows(
            records,
            header=header,
            layout=layout,
            keywords_by_id=keywords_by_id,
            report=report,
            progress=progress,
        )
        with transaction.atomic(), connection.cursor() as cursor:
            create_staging_table(cursor, name=_STAGING_TABLE, columns=_STAGING_COLUMNS)
            copy_rows(cursor, table=_STAGING_TABLE, columns=_StagedRow._fields, rows=rows)
            if not report.rows_read:
                raise TmdbImportError(f"{path}: no data rows after the header.")
            progress.stage("Updating movies")
            matched, report.updated, report.unmatched = _apply_staged(cursor)
            progress.advance(matched)
            report.unchanged = matched - report.updated
    return report


def open_csv(path: Path) -> TextIO:
    # utf-8-sig drops a BOM; undecodable bytes become U+FFFD rather than aborting the import.
    return path.open(newline="", encoding="utf-8-sig", errors="replace")


def csv_records(handle: TextIO) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """Yield (line where the record starts, fields or the csv error), skipping blank lines.

    Quoted fields may span lines, so the start line is read before each record.
    """
    reader = csv.reader(handle)
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, exc
            continue
        if fields:
            yield line, fields


def read_header(records: Iterator[tuple[int, list[str] | csv.Error]], *, path: Path) -> list[str]:
    line, header = next(records, (0, None))
    if header is None:
        raise TmdbImportError(f"{path}: the file is empty.")
    if isinstance(header, csv.Error):
        raise TmdbImportError(f"{path}:{line}: unreadable header ({header}).")
    return [name.strip() for name in header]


def detect_layout(header: list[str], *, path: Path, layouts: Sequence[L], files: str) -> L:
    """The first of `layouts` whose `columns` the header has; else a clear error naming
    `files` (the usual file names) and each layout's columns."""
    for layout in layouts:
        if layout.columns <= set(header):
            return layout
    expected = "; ".join(f"{lay.label}: {', '.join(sorted(lay.columns))}" for lay in layouts)
    raise TmdbImportError(f"{path}: unknown header layout; expected {files} columns ({expected}).")


def _read_sidecar_keywords(
    path: Path, *, report: TmdbImportReport, progress: Progress
) -> dict[int, list[str] | None]:
    """Keywords by TMDB id from keywords.csv next to movies_metadata.csv; {} when absent."""
    sidecar = path.with_name(_KEYWORDS_SIDECAR)
    if not sidecar.is_file():
        return {}
    keywords_by_id: dict[int, list[str] | None] = {}
    with open_csv(sidecar) as handle:
        records = csv_records(handle)
        header = read_header(records, path=sidecar)
        if not {"id", "keywords"} <= set(header):
            raise TmdbImportError(f"{sidecar}: expected columns id,keywords; found {header}.")
        progress.stage(f"Reading {sidecar.name}")
        for line, fields in records:
            progress.advance()
            try:
                values = row_values(fields, header=header)
                tmdb_id = parse_tmdb_id(values["id"])
            except Malformed as exc:
                report.add_problem(file=sidecar.name, line=line, reason=f"{exc}; skipped")
                continue
            # Repeated ids: the first one wins, as in the main file.
            if tmdb_id not in keywords_by_id:
                keywords_by_id[tmdb_id] = _parse_column(
                    _parse_keywords,
                    "keywords",
                    values=values,
                    file=sidecar.name,
                    line=line,
                    report=report,
                )
    return keywords_by_id


def _parse_rows(
    records: Iterator[tuple[int, list[str] | csv.Error]],
    *,
    header: list[str],
    layout: _Layout,
    keywords_by_id: dict[int, list[str] | None] | None,
    report: TmdbImportReport,
    progress: Progress,
) -> Iterator[_StagedRow]:
    file = report.path.name
    first_line_by_id: dict[int, int] = {}
    for line, fields in records:
        report.rows_read += 1
        progress.advance()
        try:
            values = row_values(fields, header=header)
            tmdb_id = parse_tmdb_id(values["id"])
        except Malformed as exc:
            report.malformed += 1
            report.add_problem(file=file, line=line, reason=f"{exc}; row skipped")
            continue
        if tmdb_id in first_line_by_id:
            # UPDATE ... FROM with two source rows per movie would pick one at random.
            report.duplicates += 1
            first = first_line_by_id[tmdb_id]
            report.add_problem(
                file=file, line=line, reason=f"TMDB id {tmdb_id} repeats line {first}; row skipped"
            )
            continue
        first_line_by_id[tmdb_id] = line

        column = partial(_parse_column, values=values, file=file, line=line, report=report)
        if keywords_by_id is None:
            keywords = column(_parse_keywords, "keywords")
        else:
            keywords = keywords_by_id.get(tmdb_id)
        yield _StagedRow(
            line=line,
            tmdb_id=tmdb_id,
            imdb_id=column(_parse_imdb_id, "imdb_id") if "imdb_id" in layout.columns else None,
            overview=column(_parse_overview, "overview"),
            tagline=column(_parse_tagline, "tagline"),
            keywords=keywords,
            runtime=column(_parse_runtime, "runtime"),
            language=column(_parse_language, "original_language"),
            poster_path=(
                column(_parse_poster_path, "poster_path")
                if "poster_path" in layout.columns
                else None
            ),
            year=column(_parse_year, "release_date"),
        )


def row_values(fields: list[str] | csv.Error, *, header: list[str]) -> dict[str, str]:
    if isinstance(fields, csv.Error):
        raise Malformed(f"unreadable CSV ({fields})")
    # Broken rows in movies_metadata.csv are split or shifted; their columns cannot be trusted.
    if len(fields) != len(header):
        raise Malformed(f"expected {len(header)} fields, found {len(fields)}")
    return dict(zip(header, fields, strict=True))


def _parse_column(
    parse: Callable[[str], T],
    column: str,
    *,
    values: dict[str, str],
    file: str,
    line: int,
    report: TmdbImportReport,
) -> T | None:
    """Parse one value; a malformed one is reported and the row imported without it."""
    try:
        return parse(values[column])
    except Malformed as exc:
        report.add_problem(file=file, line=line, reason=f"{column}: {exc}; imported without it")
        return None


def parse_tmdb_id(raw: str) -> int:
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= 2**31 - 1:
        raise Malformed(f"id {raw[:40]!r} is not a TMDB id")
    return int(raw)


def _parse_imdb_id(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    match = _IMDB_ID.fullmatch(raw)
    if not match:
        raise Malformed(f"{raw[:40]!r} is not an IMDb id")
    # Same spelling as links.csv-derived ids: "tt" and at least seven digits.
    return f"tt{int(match[1]):07d}"


def _text_parser(model_field: str) -> Callable[[str], str | None]:
    """A parser for a text column that rejects values too long for the model field."""
    max_length = Movie._meta.get_field(model_field).max_length

    def parse(raw: str) -> str | None:
        # PostgreSQL text cannot hold NUL characters.
        text = raw.replace("\x00", "").strip()
        if max_length is not None and len(text) > max_length:
            raise Malformed(f"{len(text)} characters, more than the {max_length} allowed")
        return text or None

    return parse


_parse_overview = _text_parser("overview")
_parse_tagline = _text_parser("tagline")
_parse_language = _text_parser("language")
_parse_poster_path = _text_parser("poster_path")
_KEYWORD_MAX_LENGTH = Movie._meta.get_field("keywords").base_field.max_length


def _parse_keywords(raw: str) -> list[str] | None:
    items = parse_literal(raw)
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("name"), str) for item in items
    ):
        raise Malformed("not a list of {id, name} objects")
    names = [name for item in items if (name := item["name"].replace("\x00", "").strip())]
    if any(len(name) > _KEYWORD_MAX_LENGTH for name in names):
        raise Malformed(f"a keyword is longer than {_KEYWORD_MAX_LENGTH} characters")
    return names or None


def parse_literal(raw: str) -> object:
    """JSON first (TMDB 5000), then a Python literal (The Movies Dataset's single quotes)."""
    raw = raw.strip()
    if not raw:
        return []
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        return ast.literal_eval(raw)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise Malformed(f"neither JSON nor a Python literal: {raw[:40]!r}") from None


def _parse_runtime(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        minutes = float(raw)  # The Movies Dataset writes "81.0".
    except ValueError:
        raise Malformed(f"{raw[:40]!r} is not a number") from None
    if not math.isfinite(minutes) or not 0 <= minutes <= _RUNTIME_MAX:
        raise Malformed(f"{raw[:40]!r} is not a plausible number of minutes")
    # 0 means "unknown" in both datasets.
    return round(minutes) or None


def _parse_year(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        year = date.fromisoformat(raw).year
    except ValueError:
        raise Malformed(f"{raw[:40]!r} is not a YYYY-MM-DD date") from None
    if year not in _YEAR_RANGE:
        raise Malformed(f"year {year} is outside {_YEAR_RANGE.start}-{_YEAR_RANGE.stop - 1}")
    return year


_STAGING_TABLE = "tmdb_import_staging"
_MOVIES = Movie._meta.db_table
# One column per _StagedRow field. varchar[] so keywords compare with catalog_movie.keywords
# (varchar(200)[]); text[] has no equality operator with it.
_STAGING_COLUMNS = {
    "line": "integer PRIMARY KEY",
    "tmdb_id": "integer NOT NULL",
    "imdb_id": "text",
    "overview": "text",
    "tagline": "text",
    "keywords": "varchar[]",
    "runtime": "integer",
    "language": "text",
    "poster_path": "text",
    "year": "integer",
}


# Columns the embedding text is built from: a change to one of them needs a new embedding.
_TEXT_COLUMNS = ("overview", "tagline", "keywords", "year")
_ALL_COLUMNS = (*_TEXT_COLUMNS, "runtime", "language", "poster_path", "tmdb_id")


def _apply_staged(cursor: CursorWrapper) -> tuple[int, int, int]:
    """Apply the staged rows in one statement; return (movies matched, updated, rows unmatched).

    Blank staged values keep the movie's value; year and tmdb_id are only filled when
    missing. The IS DISTINCT FROM filter leaves unchanged movies untouched, which keeps
    a re-run a no-op and their needs_embedding flag as it was.
    """
    new_values = {
        **{name: f"COALESCE(s.{name}, m.{name})" for name in _ALL_COLUMNS},
        "year": "COALESCE(m.year, s.year)",
        "tmdb_id": "COALESCE(m.tmdb_id, s.tmdb_id)",
    }

    def row(prefix: str, names: tuple[str, ...]) -> str:
        return "(" + ", ".join(f"{prefix}.{name}" for name in names) + ")"

    sql = f"""
        WITH candidate AS (
            SELECT m.id AS movie_id, s.line
            FROM {_STAGING_TABLE} s JOIN {_MOVIES} m ON m.tmdb_id = s.tmdb_id
            UNION ALL
            SELECT m.id, s.line
            FROM {_STAGING_TABLE} s JOIN {_MOVIES} m ON m.imdb_id = s.imdb_id
            WHERE m.tmdb_id IS NULL
        ),
        target AS (
            -- One source row per movie (imdb_id can repeat across TMDB ids): the earliest.
            SELECT DISTINCT ON (m.id) m.id,
                {", ".join(f"{expr} AS {name}" for name, expr in new_values.items())}
            FROM candidate c
            JOIN {_STAGING_TABLE} s ON s.line = c.line
            JOIN {_MOVIES} m ON m.id = c.movie_id
            ORDER BY m.id, c.line
        ),
        updated AS (
            UPDATE {_MOVIES} m SET
                {", ".join(f"{name} = t.{name}" for name in _ALL_COLUMNS)},
                needs_embedding = m.needs_embedding
                    OR {row("m", _TEXT_COLUMNS)} IS DISTINCT FROM {row("t", _TEXT_COLUMNS)},
                updated_at = now()
            FROM target t
            WHERE m.id = t.id AND {row("m", _ALL_COLUMNS)} IS DISTINCT FROM {row("t", _ALL_COLUMNS)}
            RETURNING m.id
        )
        SELECT
            (SELECT count(*) FROM target),
            (SELECT count(*) FROM updated),
            (SELECT count(*) FROM {_STAGING_TABLE} s
             WHERE NOT EXISTS (SELECT 1 FROM candidate c WHERE c.line = s.line))
    """
    cursor.execute(sql)
    return cursor.fetchone()
