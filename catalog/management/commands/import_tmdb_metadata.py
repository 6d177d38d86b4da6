from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.importers.tmdb import TmdbImportError, tmdb_metadata_import
from jobs.progress import TqdmProgress


class Command(BaseCommand):
    help = (
        "Fill overview, tagline, keywords, runtime, language, poster path and missing years "
        "of existing movies from tmdb_5000_movies.csv or movies_metadata.csv (with an optional "
        "keywords.csv next to it), matched on TMDB id."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="tmdb_5000_movies.csv or movies_metadata.csv")

    def handle(self, *args, path: Path, verbosity: int, **options) -> None:
        progress = TqdmProgress(disable=verbosity == 0)
        try:
            report = tmdb_metadata_import(path=path, progress=progress)
        except TmdbImportError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.close()
        self.stdout.write(report.summary())
