"""`manage.py evaluate`: offline metrics for the recommenders on the ratings in the database."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.progress import TqdmProgress
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.ease import EaseParams
from recommendations.config import Algorithm
from recommendations.evaluation.protocol import evaluate_seeds
from recommendations.evaluation.splits import Relevance, Split
from recommendations.models import TrainingRun
from recommendations.selectors import movie_embedding_matrix, movie_genre_masks, rating_triples
from recommendations.services import training_run_record_evaluation
from recommendations.tuning import search


class Command(BaseCommand):
    help = (
        "Offline evaluation on a held-out split: ranking metrics@k, coverage, diversity, "
        "personalisation, novelty, Bayesian rating, miscalibration and genre coverage, "
        "'more like this' hits, RMSE/MAE; "
        "mean ± standard error over seeds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--algorithms",
            default=",".join(tuple(Algorithm)),
            help=f"Comma-separated, from {', '.join(tuple(Algorithm))}.",
        )
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--seed", type=int, default=0, help="The first seed.")
        parser.add_argument(
            "--seeds", type=int, default=1, help="How many seeds: --seed, --seed + 1, ..."
        )
        # Validated in handle, not by argparse `choices`, so every bad value gets the same
        # CommandError listing the choices.
        parser.add_argument("--split", default=Split.USER, help=f"One of {', '.join(Split)}.")
        parser.add_argument(
            "--relevance", default=Relevance.LIKED, help=f"One of {', '.join(Relevance)}."
        )
        parser.add_argument(
            "--no-tune",
            action="store_true",
            help="Skip the validation search; evaluate the shipped defaults.",
        )
        parser.add_argument(
            "--no-store",
            action="store_true",
            help="Only print: do not store the report on the serving model (read-only runs).",
        )

    def handle(
        self,
        *args,
        algorithms: str,
        k: int,
        seed: int,
        seeds: int,
        split: str,
        relevance: str,
        no_tune: bool,
        no_store: bool,
        **options,
    ):
        chosen = [name.strip() for name in algorithms.split(",") if name.strip()]
        _check_choices("--algorithms", chosen, tuple(Algorithm))
        _check_choices("--split", [split], tuple(Split))
        _check_choices("--relevance", [relevance], tuple(Relevance))
        if seeds < 1 or k < 1:
            raise CommandError("--seeds and --k must be at least 1.")
        triples = rating_triples()
        if not len(triples.scores):
            raise CommandError("There are no ratings to evaluate on; import MovieLens first.")
        progress = TqdmProgress(file=self.stderr)
        report = evaluate_seeds(
            seeds=range(seed, seed + seeds),
            triples=triples,
            embeddings=movie_embedding_matrix(movie_ids=triples.movie_ids),
            algorithms=chosen,
            k=k,
            split=Split(split),
            relevance=Relevance(relevance),
            choose=None if no_tune else search,
            ease_params=EaseParams(max_items=settings.RECOMMENDER_EASE_MAX_ITEMS),
            genres=GenreShares.from_masks(
                triples.movie_ids, movie_genre_masks(movie_ids=triples.movie_ids)
            ),
            progress=progress,
        )
        progress.close()
        for one in report.reports:
            self.stdout.write(
                f"Seed {one.seed}: ALS {one.params.as_json()}; hybrid "
                f"{one.as_json()['hybrid']}; EASE λ {one.ease_params.l2:g}, every-rating fit "
                f"{one.ease_params.rated_weight:g}; more like this "
                f"{one.as_json()['similar_weights']}"
            )
        self.stdout.write(report.table())
        serving = (
            TrainingRun.objects.defer(*TrainingRun.LARGE_FIELDS).filter(is_serving=True).first()
        )
        if serving is not None and not no_store:
            training_run_record_evaluation(run=serving, evaluation=report.as_json())
            self.stdout.write(f"Stored on model v{serving.pk}.")


def _check_choices(option: str, values: list[str], choices: tuple[str, ...]) -> None:
    bad = [value for value in values if value not in choices]
    if bad or not values:
        raise CommandError(
            f"{option}: {', '.join(bad) or 'nothing'}; choose from {', '.join(choices)}."
        )
