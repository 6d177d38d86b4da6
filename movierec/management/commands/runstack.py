"""`make run`: migrate, bootstrap data on first start, then run web + worker + beat."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from prometheus_client import start_http_server

from core import metrics
from movierec.bootstrap import bootstrap_first_start
from movierec.embedded import data_dir
from movierec.stack import Stack, default_specs


class Command(BaseCommand):
    help = "Run the whole development stack: web (gunicorn), Celery worker and Celery beat."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--worker-concurrency", type=int, default=2)
        parser.add_argument("--skip-bootstrap", action="store_true", help="Do not import data.")

    def handle(self, *args, port, worker_concurrency, skip_bootstrap, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        if not skip_bootstrap:
            bootstrap_first_start(
                movielens_source=settings.MOVIELENS_SOURCE,
                tmdb_path=settings.TMDB_METADATA_PATH,
                tmdb_credits_path=settings.TMDB_CREDITS_PATH,
                stdout=self.stdout,
            )
        stack = Stack(
            default_specs(port=port, worker_concurrency=worker_concurrency),
            on_restart=lambda name: metrics.stack_restart_record(process=name),
        )
        if settings.METRICS_ENABLED:
            # The supervisor's own metrics (its restarts); web and worker serve theirs.
            start_http_server(port + 2, addr="127.0.0.1", registry=metrics.process_registry())
        stack.start()
        stack.log("stack", f"data in {data_dir()}, Redis at {settings.REDIS_URL}")
        stack.log(
            "stack",
            f"movierec is starting at http://127.0.0.1:{port}/  (Ctrl-C stops everything; "
            f"the supervisor's metrics are at http://127.0.0.1:{port + 2}/metrics)",
        )
        raise SystemExit(stack.wait())
