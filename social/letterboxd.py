"""Letterboxd's export zip, in and out: diary, reviews, ratings, watchlist and lists.

Import: every file is read like ratings' CSV import (ratings.rating_import): rows are
matched to films by title and year with the same matching, and every row that cannot be
used is reported with its file and line, without stopping the others. ratings.csv goes
through that import itself. Only a file that is not a zip (or is too big) is refused
whole, with ValueError.

Export: the same layout, so that Letterboxd (or this import) reads it back.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from accounts.models import User
from ratings.models import MAX_SCORE, MIN_SCORE
from ratings.rating_import import (
    MAX_IMPORT_BYTES,
    ExportFormat,
    RatingImportReport,
    Row,
    ratings_import_file,
    rows_match,
    rows_parse,
)
from ratings.selectors import rating_list, watchlist_list
from ratings.services import watchlist_add
from social import services
from social.models import DiaryEntry, MovieList, Review

MAX_ZIP_BYTES = 20 * 1024 * 1024
# Letterboxd's list files start with this line, then the list's own header and row.
LIST_MAGIC = "Letterboxd list export v7"
_HEADERS = {
    "ratings.csv": ["Date", "Name", "Year", "Letterboxd URI", "Rating"],
    "diary.csv": ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags",
                  "Watched Date"],
    "reviews.csv": ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Review",
                    "Tags", "Watched Date"],
    "watchlist.csv": ["Date", "Name", "Year", "Letterboxd URI"],
}  # fmt: skip
# How a review's spoilers travel in the file: a first line the import reads back.
SPOILER_MARK = "This review may contain spoilers."
_LIST_HEADER = ["Date", "Name", "Tags", "URL", "Description"]
_LIST_ENTRY_HEADER = ["Position", "Name", "Year", "URL", "Description"]


@dataclass
class EntryRow(Row):
    """A row of one of the export's files, with what the diary, reviews and lists need."""

    watched_on: date | None = None
    rewatch: bool = False
    text: str = ""
    note: str = ""


@dataclass
class LetterboxdReport:
    files: dict[str, RatingImportReport] = field(default_factory=dict)
    lists_created: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": {name: report.as_dict() for name, report in self.files.items()},
            "lists_created": self.lists_created,
        }


# --- Import ----------------------------------------------------------------------------


def letterboxd_zip_import(*, user: User, data: bytes) -> LetterboxdReport:
    if len(data) > MAX_ZIP_BYTES:
        raise ValueError(f"The file is over {MAX_ZIP_BYTES // 1024 // 1024} MB.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError):
        raise ValueError("This is not a zip file: upload the zip Letterboxd exports.") from None
    known = [name for name in names if _base(name) in _HEADERS or _is_list(name)]
    if not known:
        raise ValueError(
            "This zip has none of Letterboxd's files (diary.csv, reviews.csv, ratings.csv, "
            "watchlist.csv, lists/)."
        )
    report = LetterboxdReport()

    def read(name: str) -> bytes | None:
        info = names[name]
        if info.file_size > MAX_IMPORT_BYTES:
            failed = RatingImportReport(format=ExportFormat.LETTERBOXD)
            failed.invalid.append(Row(line=0, reason=f"{name} is over 5 MB; skipped"))
            report.files[name] = failed
            return None
        return archive.read(info)

    by_base = {_base(name): name for name in known if not _is_list(name)}
    if "ratings.csv" in by_base and (content := read(by_base["ratings.csv"])) is not None:
        try:
            report.files[by_base["ratings.csv"]] = ratings_import_file(
                user=user, data=content, filename="ratings.csv"
            )
        except ValueError as exc:
            report.files[by_base["ratings.csv"]] = _refused(str(exc))
    for base, importer in (
        ("diary.csv", _diary_import),
        ("reviews.csv", _reviews_import),
        ("watchlist.csv", _watchlist_import),
    ):
        if base in by_base and (content := read(by_base[base])) is not None:
            report.files[by_base[base]] = importer(user, content)
    for name in sorted(name for name in known if _is_list(name)):
        if (content := read(name)) is not None:
            report.files[name] = _list_import(user, content, report)
    return report


def _base(name: str) -> str:
    return name.rsplit("/", 1)[-1].lower()


def _is_list(name: str) -> bool:
    return bool(re.search(r"(^|/)lists/[^/]+\.csv$", name, re.IGNORECASE))


def _refused(reason: str) -> RatingImportReport:
    report = RatingImportReport(format=ExportFormat.LETTERBOXD)
    report.invalid.append(Row(line=1, reason=reason))
    return report


def _read(
    text: str, required: list[str], first_line: int = 1
) -> tuple[list[EntryRow], RatingImportReport]:
    """Parse rows that name a film by Name and Year; bad ones go to the report's invalid."""
    report = RatingImportReport(format=ExportFormat.LETTERBOXD)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader, [])]
    missing = [column for column in required if column not in header]
    if missing:
        report.invalid.append(
            EntryRow(line=first_line, reason=f"the header lacks {', '.join(missing)}")
        )
        return [], report
    rows = rows_parse(reader, header, report, _fill, row_class=EntryRow, first_line=first_line)
    return rows, report


def _fill(row: EntryRow, cell: dict[str, str]) -> str:
    """One row's cells into `row`; why the row is unusable, or ""."""
    row.title = cell.get("Name", "")
    if not row.title:
        return "has no title"
    if cell.get("Year"):
        if not cell["Year"].isdigit():
            return f"year {cell['Year']!r} is not a year"
        row.year = int(cell["Year"])
    if cell.get("Rating"):
        try:
            score = Decimal(cell["Rating"])
        except InvalidOperation:
            return f"rating {cell['Rating']!r} is not a number"
        if not MIN_SCORE <= score <= MAX_SCORE or (score * 2) % 1:
            return f"rating {cell['Rating']!r} is not between 0.5 and 5 stars in half stars"
        row.score = score
    watched = cell.get("Watched Date", "")
    if watched:
        try:
            row.watched_on = date.fromisoformat(watched)
        except ValueError:
            return f"date {watched!r} is not a date (YYYY-MM-DD)"
    row.rewatch = cell.get("Rewatch", "").lower() == "yes"
    row.text = cell.get("Review", "")
    row.note = cell.get("Description", "")
    if "Position" in cell and not cell["Position"].isdigit():
        return f"position {cell['Position']!r} is not a number"
    return ""


def _text(data: bytes) -> str:
    return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")


def _each_matched(rows: list[EntryRow], report: RatingImportReport, write) -> None:
    """Match the rows, then write each matched one; a refused write becomes invalid."""
    rows_match(rows, report)
    with transaction.atomic():
        for row in list(report.matched):
            try:
                with transaction.atomic():
                    write(row)
            except ValidationError as exc:
                row.reason = " ".join(exc.messages)
                report.matched.remove(row)
                report.invalid.append(row)
    report.invalid.sort(key=lambda row: row.line)


def _diary_import(user: User, data: bytes) -> RatingImportReport:
    rows, report = _read(_text(data), ["Name", "Year", "Watched Date"])
    for row in [row for row in rows if row.watched_on is None]:
        row.reason = "has no watched date"
        rows.remove(row)
        report.invalid.append(row)

    def write(row: EntryRow) -> None:
        # The same watch imported twice stays one entry.
        if not DiaryEntry.objects.filter(
            user=user, movie=row.movie, watched_on=row.watched_on
        ).exists():
            services.diary_entry_create(
                user=user,
                movie_id=row.movie.pk,
                watched_on=row.watched_on,
                rewatch=row.rewatch,
                score=row.score,
            )

    _each_matched(rows, report, write)
    return report


def _reviews_import(user: User, data: bytes) -> RatingImportReport:
    rows, report = _read(_text(data), ["Name", "Year", "Review"])

    def write(row: EntryRow) -> None:
        spoilers = row.text.startswith(SPOILER_MARK)
        text = row.text.removeprefix(SPOILER_MARK).lstrip() if spoilers else row.text
        entry = (
            DiaryEntry.objects.filter(user=user, movie=row.movie, watched_on=row.watched_on)
            .order_by("pk")
            .first()
            if row.watched_on
            else None
        )
        if entry is None and row.watched_on:
            entry = services.diary_entry_create(
                user=user, movie_id=row.movie.pk, watched_on=row.watched_on, score=row.score
            )
        if entry is not None:
            services.diary_entry_update(entry=entry, review=text, contains_spoilers=spoilers)
        elif not Review.objects.filter(user=user, movie=row.movie, text=text).exists():
            services.review_create(
                user=user, movie_id=row.movie.pk, text=text, contains_spoilers=spoilers
            )

    _each_matched(rows, report, write)
    return report


def _watchlist_import(user: User, data: bytes) -> RatingImportReport:
    rows, report = _read(_text(data), ["Name", "Year"])
    _each_matched(rows, report, lambda row: watchlist_add(user=user, movie=row.movie))
    return report


def _list_import(user: User, data: bytes, zip_report: LetterboxdReport) -> RatingImportReport:
    """A list file: the magic line, the list's header and row, then its entries."""
    lines = _text(data).splitlines(keepends=True)
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.startswith("Position,") or line.startswith("Name,")
        ),
        None,
    )
    if not lines or lines[0].strip() != LIST_MAGIC or start is None:
        return _refused(f"not a Letterboxd list export (its first line is not {LIST_MAGIC!r})")
    about = list(csv.DictReader(io.StringIO("".join(lines[1:start]), newline="")))
    if not about or not about[0].get("Name", "").strip():
        return _refused("the list has no name")
    rows, report = _read("".join(lines[start:]), ["Name", "Year"], first_line=start + 1)
    ranked = lines[start].startswith("Position,")
    with transaction.atomic():
        movie_list = services.movie_list_create(
            user=user,
            name=about[0]["Name"].strip(),
            description=about[0].get("Description", "") or "",
            ranked=ranked,
            visibility=MovieList.Visibility.PRIVATE,  # shared only once its owner says so
        )
        zip_report.lists_created.append(movie_list.name)
        _each_matched(
            rows,
            report,
            lambda row: services.list_entry_add(
                movie_list=movie_list, movie_id=row.movie.pk, note=row.note
            ),
        )
    return report


# --- Export ----------------------------------------------------------------------------


def letterboxd_zip_export(*, user: User) -> bytes:
    """The user's data in Letterboxd's layout, as zip bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        files = {
            "ratings.csv": [
                [r.updated_at.date(), r.movie.title, r.movie.year or "", "", r.score]
                for r in rating_list(user=user).order_by("created_at", "pk")
            ],
            "diary.csv": [
                [e.created_at.date(), e.movie.title, e.movie.year or "", "", e.score or "",
                 "Yes" if e.rewatch else "", "", e.watched_on]
                for e in DiaryEntry.objects.filter(user=user).select_related("movie")
                .order_by("watched_on", "pk")
            ],
            "reviews.csv": [
                [r.created_at.date(), r.movie.title, r.movie.year or "", "",
                 (r.diary_entry.score or "") if r.diary_entry else "",
                 "Yes" if r.diary_entry and r.diary_entry.rewatch else "",
                 _review_text(r), "", r.diary_entry.watched_on if r.diary_entry else ""]
                for r in Review.objects.filter(user=user).select_related("movie", "diary_entry")
                .order_by("created_at", "pk")
            ],
            "watchlist.csv": [
                [w.created_at.date(), w.movie.title, w.movie.year or "", ""]
                for w in watchlist_list(user=user).order_by("created_at", "pk")
            ],
        }  # fmt: skip
        for name, rows in files.items():
            archive.writestr(name, _csv([_HEADERS[name], *rows]))
        used: set[str] = set()
        for movie_list in MovieList.objects.filter(user=user).order_by("created_at", "pk"):
            slug = slugify(movie_list.name) or "list"
            while slug in used:
                slug += "-1"
            used.add(slug)
            entries = movie_list.entries.select_related("movie").order_by("position")
            archive.writestr(
                f"lists/{slug}.csv",
                LIST_MAGIC
                + "\n"
                + _csv(
                    [
                        _LIST_HEADER,
                        [movie_list.created_at.date(), movie_list.name, "", "",
                         movie_list.description],
                    ]
                )
                + "\n"
                + _csv(
                    [_LIST_ENTRY_HEADER]
                    + [[e.position, e.movie.title, e.movie.year or "", "", e.note] for e in entries]
                ),
            )  # fmt: skip
    return buffer.getvalue()


def _review_text(review: Review) -> str:
    """Letterboxd marks spoilers inside the text; the import reads the mark back."""
    if review.contains_spoilers:
        return f"{SPOILER_MARK}\n\n{review.text}"
    return review.text


def _csv(rows: list[list]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
