from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.importers.sources import SourceError
from jobs.progress import TqdmProgress
from ratings.movielens.service import movielens_import


class Command(BaseCommand):
    help = (
        "Import a MovieLens dataset (movies, links, ratings by imported users, tags) from a URL, "
        "a .zip or a folder. Safe to re-run: unchanged rows are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            default=None,
            help="http(s) URL, .zip or folder (default: MOVIELENS_SOURCE, the GroupLens "
            "ml-latest-small zip).",
        )

    def handle(self, *args, source: str | None, verbosity: int, **options) -> None:
        # tqdm rewrites its line with "\r"; Django's OutputWrapper would append newlines.
        progress = TqdmProgress(file=self.stderr._out, disable=verbosity == 0)
        try:
            report = movielens_import(source=source or settings.MOVIELENS_SOURCE, progress=progress)
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.close()
        self.stdout.write(report.summary())
