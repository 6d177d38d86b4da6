"""The MovieLens importer on hostile input: wrong encodings, binary garbage, a huge
line, zip bombs. Each ends in a per-row report or a clear SourceError, nothing half
written, and memory stays bounded."""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from catalog.importers.sources import MAX_UNCOMPRESSED_BYTES, SourceError
from catalog.models import Movie
from jobs.progress import NullProgress
from ratings.models import Rating
from ratings.movielens.service import ImportReport, movielens_import
from tests.ratings.movielens_fixtures import CSV_MOVIES, CSV_RATINGS, write_lines

pytestmark = pytest.mark.django_db

HUGE_LINE_BYTES = 50 * 1024 * 1024


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path) -> Path:
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    return settings.MOVIEREC_DATA_DIR


def run_import(source: Path) -> ImportReport:
    return movielens_import(source=str(source), progress=NullProgress())


def file_report(report: ImportReport, name: str):
    return next(f for f in report.files if f.name == name)


def dataset(folder: Path, *, ratings: bytes) -> Path:
    write_lines(folder / "movies.csv", CSV_MOVIES)
    (folder / "ratings.csv").write_bytes(ratings)
    return folder


def test_utf16_movies_file_is_rejected_row_by_row(tmp_path):
    write_lines(tmp_path / "ml" / "movies.csv", CSV_MOVIES, encoding="utf-16")

    report = run_import(tmp_path / "ml")

    movies = file_report(report, "movies.csv")
    assert movies.inserted == 0 and movies.skipped == movies.rows > 0
    assert movies.problems  # each with its line and reason, shown to the user
    assert Movie.objects.count() == 0


def test_binary_garbage_ratings_are_rejected_row_by_row_and_valid_files_import(tmp_path):
    garbage = bytes(range(256)) * 200 + b"\n\x00\xff\xfe,,,\n" * 50

    report = run_import(dataset(tmp_path / "ml", ratings=garbage))

    ratings = file_report(report, "ratings.csv")
    assert (ratings.inserted, ratings.skipped) == (0, ratings.rows)
    assert Rating.objects.count() == 0
    assert Movie.objects.count() == len(CSV_MOVIES) - 1


def test_a_50_mb_line_is_one_bad_row_in_bounded_memory(tmp_path):
    lines = "\n".join(CSV_RATINGS[:3]).encode()
    huge = b"1,3," + b"9" * HUGE_LINE_BYTES + b",964982703"
    source = dataset(
        tmp_path / "ml", ratings=lines + b"\n" + huge + b"\n" + b"3,2,0.5,1445715000\n"
    )

    tracemalloc.start()
    try:
        report = run_import(source)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    ratings = file_report(report, "ratings.csv")
    assert (ratings.inserted, ratings.skipped) == (3, 1)
    [(line, reason)] = ratings.problems
    assert line == 4 and "field larger than field limit" in reason
    # The line itself is read whole (bytes, then text): a few copies, never more.
    assert peak < 5 * HUGE_LINE_BYTES, f"peak {peak / 2**20:.0f} MiB"


def zip_declaring(path: Path, *, declared_size: int, content: bytes) -> Path:
    """A zip with one ratings.csv whose central directory claims `declared_size` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ml/movies.csv", "\n".join(CSV_MOVIES) + "\n")
        zf.writestr("ml/ratings.csv", content)
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"PK\x01\x02")  # the last central directory entry: ratings.csv
    struct.pack_into("<I", data, entry + 24, declared_size)  # "uncompressed size"
    path.write_bytes(bytes(data))
    return path


def test_zip_bomb_declaring_more_than_the_cap_is_refused_before_extracting(tmp_path, data_dir):
    archive = zip_declaring(
        tmp_path / "bomb.zip", declared_size=MAX_UNCOMPRESSED_BYTES + 1, content=b"0" * 1000
    )
    assert archive.stat().st_size < 2000

    with pytest.raises(SourceError, match="would extract to more than"):
        run_import(archive)
    assert (Movie.objects.count(), Rating.objects.count()) == (0, 0)
    assert not list(data_dir.rglob("*.csv"))


def test_zip_bomb_lying_about_its_size_is_refused_and_writes_nothing(tmp_path):
    """The directory says 100 bytes; the member inflates to 20 MB of zeros."""
    archive = zip_declaring(tmp_path / "liar.zip", declared_size=100, content=bytes(20 * 2**20))
    assert archive.stat().st_size < 64 * 1024

    with pytest.raises(SourceError, match="Cannot extract"):
        run_import(archive)
    assert (Movie.objects.count(), Rating.objects.count()) == (0, 0)
