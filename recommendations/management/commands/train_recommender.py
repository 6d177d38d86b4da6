"""`manage.py train_recommender [--sync]`: train ALS on all ratings and serve the result."""

from django.core.management.base import BaseCommand

from jobs.progress import TqdmProgress
from recommendations.services import training_run_train
from recommendations.tasks import training_job_start
from recommendations.training import AlsParams


class Command(BaseCommand):
    help = (
        "Train the ALS recommender (queued on Celery unless --sync) and make it the serving model."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync", action="store_true", help="Train in this process with a progress bar."
        )
        for name, kind in (
            ("factors", int),
            ("regularization", float),
            ("iterations", int),
            ("alpha", float),
            ("neutral", float),
        ):
            parser.add_argument(f"--{name}", type=kind, help=f"Override the tuned {name}.")

    def handle(self, *args, sync: bool, **options):
        overrides = {
            name: options[name]
            for name in AlsParams.__dataclass_fields__
            if options.get(name) is not None
        }
        if not sync:
            if overrides:
                self.stderr.write(
                    "Hyper-parameter overrides need --sync; the task trains with the defaults."
                )
                return
            job = training_job_start()
            self.stdout.write(f"Queued training job #{job.pk}.")
            return
        progress = TqdmProgress(file=self.stderr)
        run = training_run_train(progress=progress, params=AlsParams(**overrides))
        self.stdout.write(
            self.style.SUCCESS(
                f"Model v{run.pk} serving: {run.user_count} users, {run.item_count} movies, "
                f"{run.rating_count} ratings in {run.duration_seconds:.1f}s."
            )
        )
