from django.core.management.base import BaseCommand

from catalog.services import movie_mark_all_dirty, movies_embed_dirty
from catalog.tasks import embedding_job_start
from jobs.progress import TqdmProgress


class Command(BaseCommand):
    help = (
        "Embed the movies waiting for an embedding (new or changed text, or embedded by another "
        "EMBEDDING_MODEL): in a Celery task, or in this process with --sync."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            dest="all_movies",
            help="Re-embed every movie, not only the waiting ones.",
        )
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Embed here with a progress bar instead of queueing a Celery task.",
        )

    def handle(self, *args, all_movies: bool, sync: bool, verbosity: int, **options) -> None:
        if all_movies:
            self.stdout.write(f"Marked {movie_mark_all_dirty()} movies for re-embedding.")
        if not sync:
            job = embedding_job_start()
            self.stdout.write(f"Queued embedding job {job.pk}; follow it in the admin under Jobs.")
            return
        progress = TqdmProgress(disable=verbosity == 0)
        try:
            report = movies_embed_dirty(progress=progress)
        finally:
            progress.close()
        self.stdout.write(report.summary())
