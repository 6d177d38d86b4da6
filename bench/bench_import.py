"""MovieLens import speed: `python -m bench import`.

Imports ml-latest-small into a throw-away database `movierec_bench` on the same
server (created, migrated, dropped; the configured database is never touched),
and times, side by side in the same run:
- baseline: a bare COPY of ratings.csv into an UNLOGGED scratch table, the floor
  for getting the bytes into PostgreSQL at all;
- the full import (all four files, validation, users, upserts, aggregates);
- the same import again, which changes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench._db import bench_database
from jobs.progress import NullProgress, Progress
from ratings.movielens.service import ImportReport, movielens_import

DATASET = Path(settings.BASE_DIR).parent / "shared" / "data" / "movielens" / "ml-latest-small"
BENCH_DATABASE = "movierec_bench"


def main() -> None:
    if not (DATASET / "ratings.csv").is_file():
        print(f"skipped: {DATASET} is missing")
        return
    with bench_database(BENCH_DATABASE, fresh=True):
        for path in DATASET.glob("*.csv"):  # both contenders start from a warm page cache
            path.read_bytes()
        baseline, _ = _timed(_copy_ratings_baseline)
        stages = StageTimer()
        first, report = _timed(lambda: _import(stages))
        again, rerun = _timed(lambda: _import(NullProgress()))
    print(report.summary())
    print(f"second run changed {rerun.inserted + rerun.updated} rows")
    print(f"{'bare COPY of ratings.csv (unlogged)':<40} {baseline:8.2f} s")
    print(f"{'full import, empty database':<40} {first:8.2f} s  {first / baseline:6.1f}x COPY")
    print(f"{'re-import, nothing changes':<40} {again:8.2f} s  {again / baseline:6.1f}x COPY")
    print("full import by stage (reading includes the COPY into staging):")
    for description, seconds in stages.seconds.items():
        print(f"  {description:<38} {seconds:8.2f} s")


class StageTimer:
    """A Progress that records how long each stage took."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._current: tuple[str, float] | None = None

    def stage(self, description: str, total: int | None = None) -> None:
        self.close()
        self._current = (description, time.perf_counter())

    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        if self._current:
            description, start = self._current
            self.seconds[description] = time.perf_counter() - start
            self._current = None


def _import(progress: Progress) -> ImportReport:
    report = movielens_import(source=str(DATASET), progress=progress)
    progress.close()  # as the command does; ends the last stage
    return report


def _copy_ratings_baseline() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_ratings_raw "
            "(user_id integer, movie_id integer, rating numeric(2, 1), ts bigint)"
        )
        with (
            (DATASET / "ratings.csv").open("rb") as file,
            cursor.copy("COPY bench_ratings_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := file.read(1 << 20):
                copy.write(chunk)
        cursor.execute("DROP TABLE bench_ratings_raw")


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result
