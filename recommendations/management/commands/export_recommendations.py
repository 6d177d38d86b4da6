"""`manage.py export_recommendations`: top-k for every user to a CSV file."""

import csv

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from recommendations.config import Algorithm
from recommendations.hybrid import recommend_for_user

COLUMNS = [
    "user_movielens_id",
    "user_id",
    "rank",
    "movie_movielens_id",
    "movie_id",
    "score",
    "explanation",
]


class Command(BaseCommand):
    help = "Write every user's top-k recommendations to a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument(
            "--algorithm", default=Algorithm.HYBRID, help=f"One of {', '.join(Algorithm)}."
        )
        parser.add_argument("--output", required=True, help="CSV path.")

    def handle(self, *args, k: int, algorithm: str, output: str, **options):
        try:
            algorithm = Algorithm(algorithm)
        except ValueError:
            raise CommandError(
                f"Unknown algorithm {algorithm!r}; choose from {', '.join(Algorithm)}."
            ) from None
        users = User.objects.order_by("pk").only("pk", "username", "movielens_id")
        rows = 0
        with open(output, "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(COLUMNS)
            for user in tqdm(users.iterator(chunk_size=500), total=users.count(), file=self.stderr):
                for rank, rec in enumerate(
                    recommend_for_user(user, k, algorithm=algorithm), start=1
                ):
                    writer.writerow(
                        [
                            user.movielens_id or "",
                            user.pk,
                            rank,
                            rec.movie.movielens_id or "",
                            rec.movie.pk,
                            f"{rec.score:.4f}",
                            rec.explanation,
                        ]
                    )
                    rows += 1
        self.stdout.write(self.style.SUCCESS(f"Wrote {rows} rows to {output}."))
