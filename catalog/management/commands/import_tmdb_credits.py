from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importers.tmdb import TmdbImportError
from catalog.importers.tmdb_credits import tmdb_credits_import
from jobs.progress import TqdmProgress


class Command(BaseCommand):
    help = (
        "Replace the directors, writers and cast of existing movies with those in "
        "tmdb_5000_credits.csv or credits.csv (The Movies Dataset), matched on TMDB id."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="tmdb_5000_credits.csv or credits.csv")

    def handle(self, *args, path: Path, verbosity: int, **options) -> None:
        progress = TqdmProgress(disable=verbosity == 0)
        try:
            report = tmdb_credits_import(path=path, progress=progress)
        except TmdbImportError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.close()
        self.stdout.write(report.summary())
