"""Recommendation latency: `python -m bench recommend`.

Works in its own database `movierec_bench_rec` on the same server (the configured
database is never touched). The database is kept between runs because embedding
ml-latest-small takes minutes on CPU: the import and the embedding are no-ops once
done, so only the first run pays for them. Each run retrains, then times per call,
side by side in the same run:
- baseline: `Movie.objects.get(pk=...)`, a primary-key lookup through the ORM;
- recommend_for_user (hybrid, k=10) for ~300 sampled users, unfiltered and with a
  genre filter (each user once per line, so the per-process list cache never hits),
  then the unfiltered call again for the same users (served from that cache);
- also_liked (k=10) for as many sampled movies.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

from accounts.models import User
from bench._db import bench_database
from catalog.filters import MovieFilters
from catalog.models import Movie
from catalog.services import movies_embed_dirty
from jobs.progress import NullProgress
from ratings.movielens.service import movielens_import
from recommendations.hybrid import also_liked, recommend_for_user
from recommendations.training import training_run_train

DATASET = Path(settings.BASE_DIR).parent / "shared" / "data" / "movielens" / "ml-latest-small"
BENCH_DATABASE = "movierec_bench_rec"
SAMPLE = 300
TARGET_P95_MS = 20.0


def main() -> None:
    if not (DATASET / "ratings.csv").is_file():
        print(f"skipped: {DATASET} is missing")
        return
    with bench_database(BENCH_DATABASE):
        movielens_import(source=str(DATASET), progress=NullProgress())
        embedded = movies_embed_dirty(progress=NullProgress())
        print(embedded.summary())
        with connection.cursor() as cursor:
            # Fresh bulk loads have no planner statistics yet; autovacuum would add them later.
            cursor.execute("ANALYZE")
        train_seconds, run = _timed(lambda: training_run_train(progress=NullProgress()))
        print(
            f"trained model v{run.pk}: {run.user_count} users x {run.item_count} movies, "
            f"{run.rating_count} ratings in {train_seconds:.1f} s"
        )
        _measure()


def _measure() -> None:
    rng = np.random.default_rng(0)
    users = list(User.objects.filter(ratings__isnull=False).distinct().order_by("pk"))
    users = [users[i] for i in rng.choice(len(users), min(SAMPLE, len(users)), replace=False)]
    movie_ids = list(Movie.objects.filter(rating_count__gte=5).values_list("pk", flat=True))
    movies = list(Movie.objects.filter(pk__in=rng.choice(movie_ids, len(users), replace=False)))
    comedy = MovieFilters(genre="Comedy")

    # Loads the serving model and the catalogue copy, as a worker does before serving
    # (k=1 so that no measured call below finds this one in the cache).
    recommend_for_user(users[0], k=1)
    # As a gunicorn worker does after its warm-up (movierec/gunicorn.conf.py): the objects
    # loaded so far live for the process, and full collections would walk them all.
    gc.freeze()
    contenders = {
        "baseline Movie.objects.get(pk)": [lambda m=m: Movie.objects.get(pk=m.pk) for m in movies],
        "recommend_for_user k=10": [lambda u=u: recommend_for_user(u, k=10) for u in users],
        "recommend_for_user genre=Comedy": [
            lambda u=u: recommend_for_user(u, k=10, filters=comedy) for u in users
        ],
        "recommend_for_user again (cached)": [
            lambda u=u: recommend_for_user(u, k=10) for u in users
        ],
        "also_liked k=10": [lambda m=m: also_liked(m, k=10) for m in movies],
    }
    print(f"{len(users)} calls each; milliseconds per call")
    print(f"{'':<34} {'p50':>7} {'p95':>7} {'max':>7}  p95 vs baseline")
    baseline_p95 = None
    for name, calls in contenders.items():
        times = np.array([_timed(call)[0] * 1000 for call in calls])
        p50, p95 = np.percentile(times, 50), np.percentile(times, 95)
        baseline_p95 = baseline_p95 or p95
        verdict = ""
        if name.startswith("recommend_for_user k") or "genre" in name:
            verdict = (
                "  OK" if p95 <= TARGET_P95_MS else f"  over the {TARGET_P95_MS:.0f} ms target"
            )
        ratio = p95 / baseline_p95
        print(f"{name:<34} {p50:7.2f} {p95:7.2f} {times.max():7.2f}  {ratio:6.1f}x{verdict}")


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result
