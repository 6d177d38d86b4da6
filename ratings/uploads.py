"""MovieLens zips uploaded by staff in the admin, imported by a Celery worker.

An upload is saved under MOVIEREC_DATA_DIR/uploads and kept there: the import task
reads it by path, and a redelivered task (late acks) must find it again.
"""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from jobs.models import Job
from ratings.movielens.layouts import LAYOUTS
from ratings.tasks import movielens_import_enqueue

_MARKERS = frozenset(layout.marker for layout in LAYOUTS)


def movielens_archive_check(upload: UploadedFile) -> None:
    """Refuse, before anything is saved or queued, a file that cannot be a MovieLens zip."""
    if not zipfile.is_zipfile(upload):
        raise ValidationError(f"{upload.name} is not a zip archive.")
    upload.seek(0)
    with zipfile.ZipFile(upload) as archive:
        names = {PurePosixPath(name).name for name in archive.namelist()}
    upload.seek(0)
    if not names & _MARKERS:
        markers = ", ".join(sorted(_MARKERS))
        raise ValidationError(f"{upload.name} holds no MovieLens dataset (none of {markers}).")


def movielens_upload_import(*, upload: UploadedFile) -> Job:
    """Save the uploaded zip and queue its import once the Job row is committed."""
    folder = Path(settings.MOVIEREC_DATA_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    # A unique prefix: two uploads of "ml-latest-small.zip" must not overwrite each other.
    path = folder / f"{uuid.uuid4().hex[:12]}-{get_valid_filename(Path(upload.name).name)}"
    with path.open("wb") as file:
        for chunk in upload.chunks():
            file.write(chunk)
    with transaction.atomic():
        return movielens_import_enqueue(source=str(path))
