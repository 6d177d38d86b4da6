"""`manage.py predict_ratings`: predicted stars for (user, movie) pairs from a CSV file."""

from django.core.management.base import BaseCommand, CommandError

from jobs.progress import TqdmProgress
from recommendations.predictions import (
    OUTPUT_COLUMNS,
    PAIR_COLUMNS,
    PairsFileError,
    PredictionsUnavailable,
    predict_pairs_csv,
)


class Command(BaseCommand):
    help = (
        f"Predict ratings for the pairs of a CSV file with the header {','.join(PAIR_COLUMNS)} "
        f"(MovieLens ids); the output adds the columns {', '.join(OUTPUT_COLUMNS)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="CSV path of the pairs.")
        parser.add_argument("--output", required=True, help="CSV path to write.")

    def handle(self, *args, input: str, output: str, **options):
        try:
            with (
                open(input, newline="", encoding="utf-8-sig") as source,
                open(output, "w", newline="", encoding="utf-8") as destination,
            ):
                report = predict_pairs_csv(
                    source=source,
                    destination=destination,
                    progress=TqdmProgress(file=self.stderr, disable=options["verbosity"] == 0),
                )
        except (OSError, PairsFileError, PredictionsUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {report.rows} rows to {output}: {report.predicted} predicted, "
                f"{report.errors} with an error."
            )
        )
