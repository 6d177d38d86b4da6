"""The MovieLens dataset layouts: which files, read how, and finding one in a folder.

Layouts, detected from the files present:
- csv (ml-latest-small, ml-latest, ml-20m, ml-25m): movies.csv, links.csv, ratings.csv, tags.csv
- dat (ml-1m, ml-10m): "::"-separated movies.dat, ratings.dat, tags.dat (ml-10m only)
- 100k (ml-100k): "|"-separated u.item with genre flags named by u.genre, tab-separated u.data
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from catalog.importers.sources import SourceError
from ratings.movielens.parsing import BadRow

# Readers: (line number, fields) per non-blank line, or a BadRow for an unparseable one.

Records = Iterator[tuple[int, "list[str] | BadRow"]]


def _decoded_lines(path: Path) -> Iterator[str]:
    # ml-1m and ml-100k are Latin-1, the others UTF-8. Latin-1 decodes any byte,
    # so falling back per line reads both without guessing per layout.
    with path.open("rb") as file:
        for raw in file:
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                yield raw.decode("latin-1")


def read_csv(path: Path) -> Records:
    """Quoted CSV with a header line (skipped when its first field is not a number)."""
    reader = csv.reader(_decoded_lines(path), strict=True)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, BadRow(f"unparseable line ({exc})")
            continue
        if reader.line_num == 1 and fields and not fields[0].strip().isdigit():
            continue
        if fields:
            yield reader.line_num, fields


def _read_separated(path: Path, separator: str) -> Records:
    for number, line in enumerate(_decoded_lines(path), start=1):
        line = line.rstrip("\r\n")
        if line.strip():
            yield number, line.split(separator)


def read_dat(path: Path) -> Records:
    return _read_separated(path, "::")


def read_tsv(path: Path) -> Records:
    return _read_separated(path, "\t")


def read_100k_items(path: Path) -> Records:
    """u.item rows reshaped to (id, title, "Genre|Genre") with names from the sibling u.genre.

    u.item: id|title|release date|video release date|IMDb URL|one 0/1 flag per genre.
    """
    names = _100k_genre_names(path.with_name("u.genre"))
    for number, fields in _read_separated(path, "|"):
        if len(fields) != 5 + len(names):
            yield number, BadRow(f"expected {5 + len(names)} columns, found {len(fields)}")
            continue
        flags = fields[5:]
        if not set(flags) <= {"0", "1"}:
            yield number, BadRow("genre flags must be 0 or 1")
            continue
        genres = "|".join(name for name, flag in zip(names, flags, strict=True) if flag == "1")
        yield number, [fields[0], fields[1], genres]


def _100k_genre_names(path: Path) -> list[str]:
    """u.genre lines are "name|index"; the u.item flags follow the index order."""
    indexed = []
    for number, fields in _read_separated(path, "|"):
        if len(fields) != 2 or not fields[1].strip().isdigit():
            raise SourceError(f"{path.name}:{number}: expected name|index.")
        indexed.append((int(fields[1]), fields[0].strip()))
    return [name for _, name in sorted(indexed)]


# Layouts


@dataclass(frozen=True)
class FileSpec:
    name: str
    kind: str  # "movies", "links", "ratings" or "tags": what the rows are
    read: Callable[[Path], Records]


@dataclass(frozen=True)
class Layout:
    name: str
    files: tuple[FileSpec, ...]  # the first (movies) marks the layout; import order
    requires: tuple[str, ...] = ()

    @property
    def marker(self) -> str:
        return self.files[0].name


LAYOUTS = (
    Layout(
        "csv",
        (
            FileSpec("movies.csv", "movies", read_csv),
            FileSpec("links.csv", "links", read_csv),
            FileSpec("ratings.csv", "ratings", read_csv),
            FileSpec("tags.csv", "tags", read_csv),
        ),
    ),
    Layout(
        "dat",
        (
            FileSpec("movies.dat", "movies", read_dat),
            FileSpec("ratings.dat", "ratings", read_dat),
            FileSpec("tags.dat", "tags", read_dat),
        ),
    ),
    Layout(
        "100k",
        (FileSpec("u.item", "movies", read_100k_items), FileSpec("u.data", "ratings", read_tsv)),
        requires=("u.genre",),
    ),
)
DATASET_FILES = frozenset(
    name for layout in LAYOUTS for name in (*(f.name for f in layout.files), *layout.requires)
)
_SEARCH_DEPTH = 3


def find_dataset(*, folder: Path, source: str) -> tuple[Layout, Path]:
    """The layout and the folder holding it, searching a few levels below `folder`."""
    found = []
    for directory, subdirectories, files in os.walk(folder):
        depth = len(Path(directory).relative_to(folder).parts)
        subdirectories[:] = sorted(subdirectories) if depth < _SEARCH_DEPTH else []
        found += [(layout, Path(directory)) for layout in LAYOUTS if layout.marker in files]
    markers = ", ".join(layout.marker for layout in LAYOUTS)
    if not found:
        raise SourceError(f"No MovieLens dataset ({markers}) found in {source}.")
    if len(found) > 1:
        places = ", ".join(str(path.relative_to(folder)) for _, path in found)
        raise SourceError(f"{source} holds several MovieLens datasets ({places}); choose one.")
    layout, dataset = found[0]
    for name in layout.requires:
        if not (dataset / name).is_file():
            raise SourceError(f"{source} has {layout.marker} but not {name}, which it needs.")
    return layout, dataset
