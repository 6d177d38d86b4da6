"""Import a user's ratings from a Letterboxd or IMDb CSV export.

Letterboxd `ratings.csv`: Date, Name, Year, Letterboxd URI, Rating (0.5-5 stars).
IMDb ratings export: Const (tt id), Your Rating (1-10), Date Rated, Title, ..., Year, ...

Rows are matched by IMDb id when the file has one, else by normalised title and
year, and written through `rating_upsert`. Nothing about one bad row stops the
others: it is reported with its line number. Only a file that is not one of the
two exports (or is too big) is refused as a whole, with ValueError.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import Movie
from catalog.titles import normalize_title, title_keys
from ratings.models import MAX_SCORE, MIN_SCORE
from ratings.services import rating_upsert

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# MovieLens and Letterboxd sometimes disagree by a year (festival vs release date).
YEAR_TOLERANCE = 1


class ExportFormat(StrEnum):
    LETTERBOXD = "letterboxd"
    IMDB = "imdb"


# The columns each export must have; the others are ignored.
REQUIRED_COLUMNS = {
    ExportFormat.LETTERBOXD: ("Name", "Year", "Rating"),
    ExportFormat.IMDB: ("Const", "Your Rating", "Title", "Year"),
}


@dataclass
class Row:
    """One data line of the file and what became of it."""

    line: int
    title: str = ""
    year: int | None = None
    imdb_id: str = ""
    score: Decimal | None = None
    movie: Movie | None = None  # matched
    candidates: list[Movie] = field(default_factory=list)  # ambiguous
    reason: str = ""  # invalid

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "line": self.line,
            "title": self.title,
            "year": self.year,
            "imdb_id": self.imdb_id or None,
            "score": float(self.score) if self.score is not None else None,
        }
        if self.movie is not None:
            data["movie"] = _movie_dict(self.movie)
        if self.candidates:
            data["candidates"] = [_movie_dict(movie) for movie in self.candidates]
        if self.reason:
            data["reason"] = self.reason
        return data


def _movie_dict(movie: Movie) -> dict[str, Any]:
    return {"id": movie.pk, "title": movie.title, "year": movie.year}


@dataclass
class RatingImportReport:
    format: ExportFormat
    matched: list[Row] = field(default_factory=list)
    ambiguous: list[Row] = field(default_factory=list)
    unmatched: list[Row] = field(default_factory=list)
    invalid: list[Row] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        lists = ("matched", "ambiguous", "unmatched", "invalid")
        return {
            "format": str(self.format),
            "counts": {name: len(getattr(self, name)) for name in lists},
            **{name: [row.as_dict() for row in getattr(self, name)] for name in lists},
        }


def ratings_import_file(*, user, data: bytes, filename: str = "") -> RatingImportReport:
    """Rate every row of a Letterboxd or IMDb export that matches exactly one movie.

    Raises ValueError for a file over MAX_IMPORT_BYTES or one that is not a CSV with
    either export's header. `filename` only makes the messages clearer.
    """
    name = f"{filename}: " if filename else ""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValueError(
            f"{name}the file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB."
        )
    if b"\x00" in data:
        raise ValueError(f"{name}this is not a CSV file (it contains binary data).")
    # surrogateescape keeps undecodable bytes so that each bad row can be reported alone.
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader, [])]
        export_format = _detect_format(header, name)
        report = RatingImportReport(format=export_format)
        rows = rows_parse(reader, header, report, lambda row, cell: _fill(row, cell, export_format))
    except csv.Error as exc:
        raise ValueError(f"{name}this is not a readable CSV file ({exc}).") from None
    rows_match(rows, report)
    with transaction.atomic():  # one commit for the whole file, not one per row
        for row in list(report.matched):
            try:
                rating_upsert(user=user, movie=row.movie, score=row.score)
            except ValidationError as exc:  # e.g. the movie was deleted meanwhile
                row.reason = " ".join(exc.messages)
                report.matched.remove(row)
                report.invalid.append(row)
    report.invalid.sort(key=lambda row: row.line)
    return report


def _detect_format(header: list[str], name: str) -> ExportFormat:
    for export_format, required in REQUIRED_COLUMNS.items():
        if all(column in header for column in required):
            return export_format
    shown = ", ".join(header)[:200] if header and _is_text(header) else "nothing readable"
    raise ValueError(
        f"{name}unrecognised file. Upload Letterboxd's ratings.csv (columns Date, Name, Year, "
        "Letterboxd URI, Rating) or IMDb's ratings export (columns Const, Your Rating, "
        f"Date Rated, Title, ..., Year); the first line has {shown}."
    )


def _is_text(values: list[str]) -> bool:
    return not any(_has_undecodable(value) for value in values)


def _has_undecodable(value: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in value)


def rows_parse(
    reader,
    header: list[str],
    report: RatingImportReport,
    fill: Callable[[Row, dict[str, str]], str],
    *,
    row_class: type[Row] = Row,
    first_line: int = 1,
) -> list[Row]:
    """Rows ready to match; the malformed ones go straight to `report.invalid`. `fill`
    parses one row's cells into it and says why it is unusable ("" when it is not);
    `first_line` is the file line of the header (social.letterboxd reads files whose
    table starts further down)."""
    position = {column: i for i, column in enumerate(header)}
    rows = []
    line = reader.line_num
    for values in reader:
        # csv counts physical lines; a quoted field may span several, so report where it began.
        line, start = reader.line_num, line + 1
        if not any(value.strip() for value in values):
            continue
        row = row_class(line=first_line - 1 + start)
        if len(values) != len(header):
            row.reason = f"has {len(values)} columns where the header has {len(header)}"
        elif not _is_text(values):
            row.reason = "is not UTF-8 text; save the file as UTF-8 and upload it again"
        else:
            cell = {column: values[i].strip() for column, i in position.items()}
            row.reason = fill(row, cell)
        (report.invalid if row.reason else rows).append(row)
    return rows


def _fill(row: Row, cell: dict[str, str], export_format: ExportFormat) -> str:
    """Parse one row's cells into `row`; returns why the row is invalid, or ""."""
    if export_format is ExportFormat.LETTERBOXD:
        row.title, raw_score = cell["Name"], cell["Rating"]
    else:
        row.title, raw_score = cell["Title"], cell["Your Rating"]
        row.imdb_id = cell["Const"] if re.fullmatch(r"tt\d+", cell["Const"]) else ""
    if not row.title and not row.imdb_id:
        return "has no title"
    if cell["Year"]:
        if not cell["Year"].isdigit():
            return f"year {cell['Year']!r} is not a year"
        row.year = int(cell["Year"])
    if not raw_score:
        return "has no rating"
    try:
        value = Decimal(raw_score)
    except InvalidOperation:
        return f"rating {raw_score!r} is not a number"
    if not value.is_finite():  # NaN, sNaN and Infinity parse, but do not compare
        return f"rating {raw_score!r} is not a number"
    if export_format is ExportFormat.IMDB:
        if not Decimal(1) <= value <= Decimal(10):
            return f"rating {raw_score!r} is not between 1 and 10"
        # 1-10 onto 0.5-5 stars: half of it, on the half-star grid (7 -> 3.5, 1 -> 0.5).
        value = value.to_integral_value(rounding=ROUND_HALF_UP) / 2
    elif not MIN_SCORE <= value <= MAX_SCORE or (value * 2) % 1:
        return f"rating {raw_score!r} is not between 0.5 and 5 stars in half stars"
    row.score = value
    return ""


# --- Matching ------------------------------------------------------------------------------


def rows_match(rows: list[Row], report: RatingImportReport) -> None:
    """Sort parsed rows into the report's matched, ambiguous and unmatched lists (also
    used by social.letterboxd for the other files of a Letterboxd export)."""
    by_imdb: dict[str, list[int]] = defaultdict(list)
    imdb_ids = {row.imdb_id for row in rows if row.imdb_id}
    for movie_id, imdb_id in (
        Movie.objects.visible().filter(imdb_id__in=imdb_ids).values_list("pk", "imdb_id")
    ):
        by_imdb[imdb_id].append(movie_id)

    # An IMDb id the catalogue lacks (or shares) falls back to the title, like a Letterboxd row.
    by_title = _title_index(row for row in rows if len(by_imdb.get(row.imdb_id, ())) != 1)
    chosen = [
        by_imdb[row.imdb_id]
        if len(by_imdb.get(row.imdb_id, ())) == 1
        else _title_candidates(row, by_title)
        for row in rows
    ]
    movies = Movie.objects.defer("embedding").in_bulk({i for ids in chosen for i in ids})
    for row, ids in zip(rows, chosen, strict=True):
        if len(ids) == 1:
            row.movie = movies[ids[0]]
            report.matched.append(row)
        elif ids:
            row.candidates = sorted((movies[i] for i in ids), key=lambda m: (m.year or 0, m.pk))
            report.ambiguous.append(row)
        else:
            report.unmatched.append(row)


def _title_index(rows) -> dict[str, dict[int | None, set[int]]]:
    """normalised title -> year -> movie ids, over the visible movies the rows could mean."""
    rows = list(rows)
    if not rows:
        return {}
    movies = Movie.objects.visible()
    years = {row.year for row in rows}
    if None not in years:  # a row without a year could be any movie; else only nearby years
        movies = movies.filter(
            year__in={y + d for y in years for d in range(-YEAR_TOLERANCE, YEAR_TOLERANCE + 1)}
        )
    wanted = {normalize_title(row.title) for row in rows}
    index: dict[str, dict[int | None, set[int]]] = defaultdict(lambda: defaultdict(set))
    spellings = movies.values_list("pk", "title", "movielens_title", "year")
    for movie_id, title, movielens_title, year in spellings.iterator(2000):
        for key in title_keys(title, movielens_title) & wanted:
            index[key][year].add(movie_id)
    return index


def _title_candidates(row: Row, index) -> list[int]:
    years = index.get(normalize_title(row.title), {})
    if row.year is None:
        return sorted({movie_id for ids in years.values() for movie_id in ids})
    exact = years.get(row.year)
    if exact:
        return sorted(exact)
    nearby = {
        movie_id
        for delta in range(1, YEAR_TOLERANCE + 1)
        for year in (row.year - delta, row.year + delta)
        for movie_id in years.get(year, ())
    }
    return sorted(nearby)
