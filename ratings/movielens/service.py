"""Import a MovieLens dataset: movies, links, ratings (by imported users) and tags.

Every file takes the same path: parse and validate in Python (a bad row is
reported as `file:LINE: reason` and skipped), COPY the good rows into a TEMP
staging table, then run set-based statements that write only rows that change.
Each file commits in its own transaction, in the order movies → links → ratings
→ tags, so references resolve against what the earlier files wrote. Nothing is
deleted: movies, users and ratings missing from a newer release are kept; only
genre links and tag lists are replaced by the file's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from catalog.importers.sources import source_folder
from jobs.progress import Progress
from ratings.movielens.layouts import DATASET_FILES, FileSpec, find_dataset
from ratings.movielens.parsing import BadRow
from ratings.movielens.writers import KINDS, FileReport, Kind, stage_rows

PROGRESS_EVERY = 10_000


@dataclass
class ImportReport:
    source: str
    layout: str
    files: list[FileReport] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return sum(f.inserted + (f.users_inserted or 0) for f in self.files)

    @property
    def updated(self) -> int:
        return sum(f.updated for f in self.files)

    def summary(self) -> str:
        lines = [f"MovieLens import ({self.layout} layout) from {self.source}"]
        lines += [f"  {report.summary()}" for report in self.files]
        for report in self.files:
            lines += [f"  {report.name}:{line}: {reason}" for line, reason in report.problems]
            if report.skipped > len(report.problems):
                lines.append(f"  {report.name}: and {report.skipped - len(report.problems)} more")
        return "\n".join(lines)


# Services


def movielens_import(*, source: str, progress: Progress) -> ImportReport:
    """Import the MovieLens dataset at `source` (URL, .zip or folder); idempotent.

    Raises SourceError, before writing anything, when the source is unusable.
    """
    with source_folder(
        source=source,
        wanted=DATASET_FILES,
        downloads_dir=Path(settings.MOVIEREC_DATA_DIR) / "downloads",
        progress=progress,
    ) as folder:
        layout, dataset = find_dataset(folder=folder, source=source)
        report = ImportReport(source=source, layout=layout.name)
        for spec in layout.files:
            path = dataset / spec.name
            if path.is_file():
                report.files.append(_import_file(spec=spec, path=path, progress=progress))
    return report


def _import_file(*, spec: FileSpec, path: Path, progress: Progress) -> FileReport:
    kind = KINDS[spec.kind]
    report = FileReport(name=spec.name, noun=kind.noun)
    total = _count_lines(path)
    progress.stage(f"Reading {spec.name}", total=total)
    with transaction.atomic(), connection.cursor() as cursor:
        stage_rows(
            cursor,
            kind=kind,
            rows=_parsed_rows(
                spec=spec, kind=kind, path=path, total=total, report=report, progress=progress
            ),
        )
        progress.stage(f"Writing {kind.noun} from {spec.name}")
        kind.write(cursor, report)
    return report


def _parsed_rows(
    *,
    spec: FileSpec,
    kind: Kind,
    path: Path,
    total: int,
    report: FileReport,
    progress: Progress,
) -> Iterator[tuple]:
    reported_line = 0  # progress counts lines, as `total` does
    for line, fields in spec.read(path):
        report.rows += 1
        if line - reported_line >= PROGRESS_EVERY:
            progress.advance(line - reported_line)
            reported_line = line
        try:
            if isinstance(fields, BadRow):
                raise fields
            values = kind.parse(fields)
        except BadRow as exc:
            report.problem(line, str(exc))
            continue
        yield (line, *values)
    progress.advance(total - reported_line)


def _count_lines(path: Path) -> int:
    # A raw byte scan costs well under a second per GB; a last line without "\n" counts too.
    lines, last = 0, b"\n"
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")
