"""Turn an import source (http(s) URL, local .zip or local folder) into a local folder.

Generic on purpose: importers say which file names they want, and get a folder
holding them. Downloads are cached; zips are extracted with guards against
path traversal and zip bombs. Every failure is a `SourceError` raised before
anything is written to the database.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import requests

from jobs.progress import Progress

MAX_UNCOMPRESSED_BYTES = 2 * 1024**3
DOWNLOAD_CHUNK_BYTES = 1024 * 1024
# (connect, read) seconds: a stalled server fails the import instead of hanging a worker.
DOWNLOAD_TIMEOUT = (15, 120)
_DRIVE = re.compile(r"[A-Za-z]:")


class SourceError(Exception):
    """The source cannot be read. Raised before anything is written."""


@contextmanager
def source_folder(
    *,
    source: str,
    wanted: Collection[str],
    downloads_dir: Path,
    progress: Progress,
    max_bytes: int = MAX_UNCOMPRESSED_BYTES,
) -> Iterator[Path]:
    """Yield a local folder for `source`; the dataset may sit in a subfolder of it.

    A URL is downloaded into `downloads_dir` (reused when already complete) and
    treated as a zip. From a zip only members whose file name is in `wanted` are
    extracted, into a temporary folder removed afterwards. A folder is used as is.
    """
    if urlsplit(source).scheme in {"http", "https"}:
        archive = download(url=source, downloads_dir=downloads_dir, progress=progress)
    else:
        archive = Path(source).expanduser()
        if not archive.exists():
            raise SourceError(f"{source} does not exist.")
        if archive.is_dir():
            yield archive
            return
        if not zipfile.is_zipfile(archive):
            raise SourceError(f"{source} is neither a folder nor a zip archive.")
    downloads_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="extract-", dir=downloads_dir) as folder:
        extract_zip(archive=archive, target=Path(folder), wanted=wanted, max_bytes=max_bytes)
        yield Path(folder)


def download(*, url: str, downloads_dir: Path, progress: Progress) -> Path:
    """Download `url` into `downloads_dir` unless a complete copy is already there.

    The file is written as NAME.part and renamed only once complete and a valid
    zip, so an interrupted download or an HTML error page is never reused. The
    name starts with a hash of the URL: two servers' "data.zip" never mix up.
    """
    name = PurePosixPath(unquote(urlsplit(url).path)).name or "download.zip"
    target = downloads_dir / f"{hashlib.sha256(url.encode()).hexdigest()[:12]}-{name}"
    if target.exists():
        return target
    downloads_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
            response.raise_for_status()
            size = response.headers.get("Content-Length")
            progress.stage(f"Downloading {name[:100]} (bytes)", total=int(size) if size else None)
            with partial.open("wb") as out:
                for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
                    out.write(chunk)
                    progress.advance(len(chunk))
    except requests.HTTPError as exc:
        partial.unlink(missing_ok=True)
        status = exc.response.status_code
        raise SourceError(
            f"Downloading {url} failed: HTTP {status} {exc.response.reason}."
        ) from exc
    except requests.RequestException as exc:
        partial.unlink(missing_ok=True)
        raise SourceError(f"Downloading {url} failed: {exc}") from exc
    if not zipfile.is_zipfile(partial):
        partial.unlink()
        raise SourceError(f"{url} did not return a zip archive.")
    os.replace(partial, target)
    return target


def extract_zip(*, archive: Path, target: Path, wanted: Collection[str], max_bytes: int) -> None:
    """Extract the members of `archive` named in `wanted`, keeping their relative paths.

    Refuses the whole archive if any member name is absolute or climbs out with
    "..", and stops once more than `max_bytes` would be written (the sizes in the
    zip directory can lie, so the bytes are counted as they are written).
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            for member in members:
                if not _is_safe_member(member.filename):
                    raise SourceError(f"{archive} contains an unsafe path: {member.filename!r}.")
            selected = [
                m for m in members if not m.is_dir() and PurePosixPath(m.filename).name in wanted
            ]
            if not selected:
                raise SourceError(f"{archive} contains none of: {', '.join(sorted(wanted))}.")
            if sum(m.file_size for m in selected) > max_bytes:
                raise _too_large(archive, max_bytes)
            written = 0
            for member in selected:
                destination = target.joinpath(*PurePosixPath(member.filename).parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, destination.open("wb") as out:
                    while chunk := src.read(DOWNLOAD_CHUNK_BYTES):
                        written += len(chunk)
                        if written > max_bytes:
                            raise _too_large(archive, max_bytes)
                        out.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise SourceError(f"Cannot extract {archive}: {exc}") from exc


def _is_safe_member(name: str) -> bool:
    # Backslashes and drive letters count too: zips made on Windows may use them.
    path = PurePosixPath(name.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts and not _DRIVE.match(name)


def _too_large(archive: Path, max_bytes: int) -> SourceError:
    return SourceError(f"{archive} would extract to more than {max_bytes:,} bytes; refusing it.")
