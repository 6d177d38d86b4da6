"""`manage.py generate_synthetic --users N --ratings M [--seed S]`: synthetic raters for
scale measurements (docs/scaling.md). Never run it against a production database."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.synthetic import synthetic_generate


class Command(BaseCommand):
    help = (
        "Add N imported-style users with M ratings in total over the current catalogue "
        "(popularity-skewed, per-user taste clusters). Rerunning with the same arguments "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, required=True)
        parser.add_argument("--ratings", type=int, required=True)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, users: int, ratings: int, seed: int, **options):
        if settings.PRODUCTION:
            raise CommandError("Refusing to add synthetic users with MOVIEREC_ENV=production.")
        if users < 1 or ratings < 1:
            raise CommandError("--users and --ratings must be positive.")
        start = time.perf_counter()
        try:
            report = synthetic_generate(users=users, ratings=ratings, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{report.summary()} ({time.perf_counter() - start:.1f} s)")
