"""First-start bootstrap for `make run`: real data, background jobs and a demo account."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import OutputWrapper

from accounts.services import demo_user_ensure
from catalog.importers.tmdb import TmdbImportError, tmdb_metadata_import
from catalog.importers.tmdb_credits import tmdb_credits_import
from catalog.models import Movie
from catalog.tasks import embedding_job_start
from jobs.progress import TqdmProgress
from ratings.movielens.service import movielens_import
from recommendations.selectors import training_in_flight, training_is_stale
from recommendations.tasks import training_job_start


def bootstrap_first_start(
    *,
    movielens_source: str,
    tmdb_path: str,
    stdout: OutputWrapper,
    tmdb_credits_path: str = "",
) -> None:
    """Import the catalogue only when it is empty, so later starts take seconds."""
    if Movie.objects.exists():
        stdout.write(f"catalogue present ({Movie.objects.count():,} movies); skipping import")
    else:
        _import(
            movielens_source=movielens_source,
            tmdb_path=tmdb_path,
            tmdb_credits_path=tmdb_credits_path,
            stdout=stdout,
        )
    _resume_background_work(stdout=stdout)
    user, password = demo_user_ensure(
        credentials_file=settings.MOVIEREC_DATA_DIR / "demo-credentials.txt"
    )
    stdout.write(f"demo account: username {user.username!r}, password {password!r}")


def _resume_background_work(*, stdout: OutputWrapper) -> None:
    """Queue the embedding and training that the data still needs.

    Runs on every start, so work interrupted by a stop resumes at once. Both jobs
    are idempotent, so queueing one that is already pending costs nothing.
    """
    embedding = Movie.objects.filter(needs_embedding=True).exists()
    if embedding:
        stdout.write(f"queued embedding job #{embedding_job_start().pk}")
    if training_is_stale() and not training_in_flight():
        # While the catalogue is being embedded, a quick model (recommendations, predicted
        # stars) serves within seconds and leaves most of the CPU to the embedding; once
        # the embedding is done, a full training completes it
        # (recommendations.tasks.provisional_model_complete).
        job = training_job_start(quick=embedding)
        stdout.write(f"queued training job #{job.pk}{' (quick)' if embedding else ''}")


def _import(
    *, movielens_source: str, tmdb_path: str, tmdb_credits_path: str, stdout: OutputWrapper
) -> None:
    stdout.write(f"first start: importing MovieLens from {movielens_source}")
    progress = TqdmProgress()
    try:
        report = movielens_import(source=movielens_source, progress=progress)
    except Exception as exc:  # the site still starts; the next start retries
        stdout.write(
            f"MovieLens import failed: {exc}\n"
            "Set MOVIELENS_SOURCE to a local folder or zip, "
            "e.g. ../shared/data/movielens/ml-latest-small."
        )
        return
    finally:
        progress.close()
    stdout.write(report.summary())
    if tmdb_path:
        report = tmdb_metadata_import(path=Path(tmdb_path), progress=progress)
        progress.close()
        stdout.write(report.summary())
    if tmdb_credits_path:
        try:
            credits_report = tmdb_credits_import(path=Path(tmdb_credits_path), progress=progress)
        except TmdbImportError as exc:  # the site still starts, without people
            stdout.write(f"TMDB credits import failed: {exc}\nCheck TMDB_CREDITS_PATH.")
        else:
            stdout.write(credits_report.summary())
        finally:
            progress.close()
