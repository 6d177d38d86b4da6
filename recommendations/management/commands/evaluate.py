"""`manage.py evaluate`: offline metrics for the recommenders on the ratings in the database."""

from django.core.management.base import BaseCommand, CommandError

from jobs.progress import TqdmProgress
from recommendations.config import Algorithm
from recommendations.evaluation import evaluate
from recommendations.models import TrainingRun
from recommendations.selectors import movie_embedding_matrix, rating_triples
from recommendations.services import training_run_record_evaluation


class Command(BaseCommand):
    help = (
        "Per-user holdout evaluation (precision/recall/nDCG/MAP/hit rate@k, coverage, diversity)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--algorithms",
            default=",".join(Algorithm),
            help=f"Comma-separated, from {', '.join(Algorithm)}.",
        )
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--no-tune",
            action="store_true",
            help="Skip the validation search; evaluate the shipped defaults.",
        )

    def handle(self, *args, algorithms: str, k: int, seed: int, no_tune: bool, **options):
        try:
            chosen = [Algorithm(name.strip()) for name in algorithms.split(",") if name.strip()]
        except ValueError as exc:
            raise CommandError(f"{exc}; choose from {', '.join(Algorithm)}.") from None
        triples = rating_triples()
        if not len(triples.scores):
            raise CommandError("There are no ratings to evaluate on; import MovieLens first.")
        progress = TqdmProgress(file=self.stderr)
        report = evaluate(
            triples=triples,
            embeddings=movie_embedding_matrix(movie_ids=triples.movie_ids),
            algorithms=chosen,
            k=k,
            seed=seed,
            tune=not no_tune,
            progress=progress,
        )
        progress.close()
        self.stdout.write(f"ALS: {report.params.as_json()}")
        self.stdout.write(f"Hybrid: {report.as_json()['hybrid']}")
        self.stdout.write(report.table())
        serving = (
            TrainingRun.objects.defer(*TrainingRun.LARGE_FIELDS).filter(is_serving=True).first()
        )
        if serving is not None:
            training_run_record_evaluation(run=serving, evaluation=report.as_json())
            self.stdout.write(f"Stored on model v{serving.pk}.")
