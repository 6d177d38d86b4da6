"""gunicorn settings for the web process: `gunicorn -c movierec/gunicorn.conf.py movierec.wsgi`.

The one source of the web layout (workers x threads) for `make run` (movierec/stack.py),
the Docker image and `bench load`; the bind address stays on the command line.
"""

import os
import shutil

from core.metrics_files import metrics_dir_prepare, metrics_process_dead


def _positive(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default)).strip()
    if not raw.isdecimal() or int(raw) < 1:
        raise SystemExit(f"{name}={raw!r} must be a whole number of at least 1.")
    return int(raw)


# Threads share a worker's models and caches (~600 MB resident each); processes run
# Python in parallel. Chosen by `bench load` on 2 cores (docs/benchmarks.md "Load").
worker_class = "gthread"
workers = _positive("WEB_CONCURRENCY", 2)
threads = _positive("WEB_THREADS", 4)

# The metrics directory this master made for its workers, removed when it exits.
_private_metrics_dir = None


def on_starting(server):
    """Give the workers an empty metrics directory before any of them starts.

    The master imports no application code (no --preload), so the workers, forked after
    this, import prometheus_client with PROMETHEUS_MULTIPROC_DIR already set and /metrics
    adds up every worker (core.metrics). Unset, a private directory is made.
    """
    global _private_metrics_dir
    path, created = metrics_dir_prepare(private_if_unset=True)
    if created:
        _private_metrics_dir = path
    server.log.info("Metrics files of the workers: %s", path)


def child_exit(server, worker):
    """A dead worker's counters stay in the totals; its in-progress gauge is dropped."""
    metrics_process_dead(worker.pid)


def on_exit(server):
    if _private_metrics_dir is not None:
        shutil.rmtree(_private_metrics_dir, ignore_errors=True)


def post_worker_init(worker):
    """Load the models before this worker accepts requests.

    Otherwise the first search in each worker waits seconds for sentence-transformers
    and the title index (and the first recommendation for the ALS model, the rating
    model and the catalogue copy) while later requests queue behind it; docs/benchmarks.md "Load"
    measures the difference.
    """
    import gc

    from django.db import connections

    from catalog import embedding
    from catalog.title_index import title_index_for
    from recommendations.catalog_arrays import catalog_arrays_for
    from recommendations.selectors import recommender_versions, training_run_serving_id
    from recommendations.serving import ease_model_for, model_for, rating_model_for

    embedding.configured_model()
    run_id = training_run_serving_id()
    model_for(run_id)
    ease_model_for(run_id)
    rating_model_for(run_id)
    version = recommender_versions(user_id=None).catalogue  # max(updated_at) of the movies
    catalog_arrays_for(version)
    title_index_for(version)
    # Requests run on the worker's threads, each with its own connection; this one
    # (opened in the main thread to read the models) would otherwise idle until exit.
    connections.close_all()
    # Half a million objects now live as long as the worker (torch, the models, Django).
    # A full garbage collection walked them all for ~300 ms, stalling every thread of
    # the worker: the long tail of docs/benchmarks.md "Load". Frozen, they are skipped.
    gc.freeze()
