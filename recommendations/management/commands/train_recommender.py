"""`manage.py train_recommender [--sync] [--no-tune]`: train on all ratings and serve the result."""

from django.core.management.base import BaseCommand, CommandError

from jobs.progress import TqdmProgress
from recommendations.algorithms.als import AlsParams
from recommendations.tasks import training_job_start
from recommendations.training import CUT_SHORT, training_run_train


class Command(BaseCommand):
    help = (
        "Train the recommender (queued on Celery unless --sync) and make it the serving model: "
        "search the hyper-parameters on a validation split within RECOMMENDER_TUNING_SECONDS, "
        "then refit on all ratings."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync", action="store_true", help="Train in this process with a progress bar."
        )
        parser.add_argument(
            "--no-tune",
            action="store_true",
            help="Reuse the last run's chosen hyper-parameters, no search (needs --sync).",
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="Draws the validation split (needs --sync)."
        )
        for name, kind in (
            ("factors", int),
            ("regularization", float),
            ("iterations", int),
            ("alpha", float),
            ("neutral", float),
        ):
            parser.add_argument(f"--{name}", type=kind, help=f"Override the tuned {name}.")

    def handle(self, *args, sync: bool, no_tune: bool, seed: int, **options):
        overrides = {
            name: options[name]
            for name in AlsParams.__dataclass_fields__
            if options.get(name) is not None
        }
        if not sync:
            if overrides or no_tune or seed:
                raise CommandError(
                    "Hyper-parameter overrides, --no-tune and --seed need --sync; the queued "
                    "task tunes with the settings."
                )
            job = training_job_start()
            self.stdout.write(f"Queued training job #{job.pk}.")
            return
        progress = TqdmProgress(file=self.stderr)
        run = training_run_train(
            progress=progress,
            tune=not no_tune,
            seed=seed,
            params=AlsParams(**overrides) if overrides else None,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Model v{run.pk} serving: {run.user_count} users, {run.item_count} movies, "
                f"{run.rating_count} ratings in {run.duration_seconds:.1f}s."
            )
        )
        validation = run.metrics.get("validation")
        if validation:
            self.stdout.write(
                f"Chosen on validation ({validation['protocol']}): nDCG "
                + ", ".join(f"{name} {value:.4f}" for name, value in validation["ndcg"].items())
            )
            if validation["out_of_time"]:
                self.stdout.write(CUT_SHORT)
