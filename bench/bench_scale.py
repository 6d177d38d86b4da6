"""MovieLens-25M scale: `python -m bench scale`.

Only run when named (not by `make bench`): at full size it runs for about 40 minutes
on 2 cores. SCALE_USERS and SCALE_RATINGS (default 160000 and 25000000) pick a
smaller size.
Works in its own database `movierec_bench_scale` on the configured server (another
size in its own, `movierec_bench_scale_<users>_<ratings>`, so a smaller trial leaves
the 25M ratings alone), kept between runs (the catalogue import is idempotent, and the
synthetic ratings are generated only when the database does not hold exactly the
requested number). Steps, each timed, for docs/scaling.md:
1. import the 62k-movie ml-25m catalogue (no ratings);
2. `generate_synthetic` with the given users and ratings;
3. train (each stage timed), with this process's peak memory, the tuning search
   under a budget that lets its whole plan run (SCALE_TUNING_SECONDS, default 900 s:
   the target for the whole training), and whether it completed;
4. recommend_for_user k=10 for 200 random synthetic users, beside a primary-key
   lookup through the ORM as the baseline, in the same run.
SCALE_TRAIN=0 skips step 3 and times the serving model the last run left: a change
to the request path is re-timed in minutes instead of a training's quarter hour.
"""

from __future__ import annotations

import os
import resource
import time

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import override_settings

from accounts.models import User
from bench._db import bench_database
from catalog.models import Movie
from jobs.progress import NullProgress
from ratings.models import Rating
from ratings.movielens.service import movielens_import
from recommendations.hybrid import recommend_for_user
from recommendations.synthetic import USERNAME_PREFIX, synthetic_generate
from recommendations.training import training_run_train

CATALOGUE = settings.BASE_DIR.parent / "shared" / "data" / "movielens" / "ml-25m-catalog"
BENCH_DATABASE = "movierec_bench_scale"
DEFAULT_USERS, DEFAULT_RATINGS = 160_000, 25_000_000
# The search's safety net for this run: the 15-minute target for the whole training, so
# only a search that could never meet the target is cut short (a cut-short search fails
# the target: its choice would depend on the machine).
DEFAULT_TUNING_SECONDS = 900
SAMPLE = 200
RUN_BY_DEFAULT = False  # see bench/__main__.py


class StageClock(NullProgress):
    """A Progress that records when each stage of a service starts, and prints each
    stage and every tenth step of it as it happens (a 25M-rating training runs for many
    minutes; this shows where it is and how fast each step goes)."""

    def __init__(self) -> None:
        self.starts: list[tuple[str, float]] = []
        self.steps = 0

    def stage(self, description: str, total: int | None = None) -> None:
        self.starts.append((description, time.perf_counter()))
        self.steps = 0
        print(f"    {description} ... (peak memory so far {_peak_rss_gb():.1f} GB)", flush=True)

    def advance(self, n: int = 1) -> None:
        before, self.steps = self.steps, self.steps + n
        if self.steps // 10 > before // 10:
            elapsed = time.perf_counter() - self.starts[-1][1]
            print(f"      {self.steps} steps in {elapsed:.0f} s", flush=True)

    def durations(self, end: float) -> dict[str, float]:
        ends = [start for _, start in self.starts[1:]] + [end]
        return {name: stop - start for (name, start), stop in zip(self.starts, ends, strict=True)}


def main() -> None:
    users = int(os.environ.get("SCALE_USERS", DEFAULT_USERS))
    ratings = int(os.environ.get("SCALE_RATINGS", DEFAULT_RATINGS))
    tuning_seconds = int(os.environ.get("SCALE_TUNING_SECONDS", DEFAULT_TUNING_SECONDS))
    if not (CATALOGUE / "movies.csv").is_file():
        print(f"skipped: {CATALOGUE} is missing")
        return
    database = BENCH_DATABASE
    if (users, ratings) != (DEFAULT_USERS, DEFAULT_RATINGS):
        database = f"{BENCH_DATABASE}_{users}_{ratings}"
    print(f"database {database}")
    with bench_database(database):
        _step(
            "import the ml-25m catalogue",
            lambda: movielens_import(source=str(CATALOGUE), progress=NullProgress()),
        )
        present = Rating.objects.filter(user__username__startswith=USERNAME_PREFIX).count()
        if present == ratings:
            # Generating again would insert nothing after half an hour of drawing and
            # conflict checks: the kept database already holds this size.
            print(f"generate_synthetic: skipped, the {present:,} ratings are there")
        else:
            _step(
                f"generate_synthetic --users {users} --ratings {ratings} --seed 1",
                lambda: synthetic_generate(users=users, ratings=ratings, seed=1),
            )
        _step("ANALYZE", _analyze)
        _sizes()
        if os.environ.get("SCALE_TRAIN", "1") == "0":
            print("train: skipped (SCALE_TRAIN=0), timing the model kept from the last run")
            _latency()
            return
        clock = StageClock()
        print(f"RECOMMENDER_TUNING_SECONDS={tuning_seconds} for this run")
        with override_settings(RECOMMENDER_TUNING_SECONDS=tuning_seconds):
            run = _step("train (training_run_train)", lambda: training_run_train(progress=clock))
        for name, seconds in clock.durations(end=time.perf_counter()).items():
            print(f"    {name}: {seconds:.1f} s")
        print(
            f"    {run.user_count} users x {run.item_count} movies, {run.rating_count} ratings;"
            f" ALS model {len(run.als_model) / 1e6:.1f} MB;"
            f" peak memory of this process {_peak_rss_gb():.1f} GB"
        )
        _search_report(run.metrics.get("validation"))
        _latency()


def _search_report(validation: dict | None) -> None:
    """Whether the search ran its whole plan: the target counts only a completed one."""
    if validation is None:
        print("    search: none ran (RECOMMENDER_TUNING_SECONDS=0)")
        return
    completed = "no, cut short by the budget" if validation["out_of_time"] else "yes"
    print(
        f"    search completed: {completed}; {validation['candidates']} candidates scored in"
        f" {validation['seconds']} s; {validation['protocol']}"
    )


def _step(name: str, function):
    start = time.perf_counter()
    result = function()
    print(f"{name}: {time.perf_counter() - start:.1f} s", flush=True)
    if hasattr(result, "summary"):
        print(f"    {result.summary()}")
    return result


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _sizes() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(%s::regclass), pg_total_relation_size(%s::regclass)",
            [Rating._meta.db_table] * 2,
        )
        heap, total = cursor.fetchone()
    print(f"    ratings table: {heap / 1e6:.0f} MB heap, {total / 1e6:.0f} MB with indexes")


def _latency() -> None:
    rng = np.random.default_rng(0)
    user_ids = list(
        User.objects.filter(username__startswith=USERNAME_PREFIX).values_list("pk", flat=True)
    )
    users = list(
        User.objects.filter(pk__in=rng.choice(user_ids, SAMPLE, replace=False)).annotate(
            rating_total=Count("ratings")
        )
    )
    movie_ids = list(Movie.objects.values_list("pk", flat=True))
    sample_movies = rng.choice(movie_ids, SAMPLE, replace=False).tolist()
    recommend_for_user(users[0], k=1)  # loads the model and catalogue copy, as a worker does
    contenders = {
        "baseline Movie.objects.get(pk)": [
            lambda pk=pk: Movie.objects.get(pk=pk) for pk in sample_movies
        ],
        "recommend_for_user k=10": [lambda u=u: recommend_for_user(u, k=10) for u in users],
    }
    ratings = np.array([u.rating_total for u in users])
    print(f"{SAMPLE} users, median {np.median(ratings):.0f} ratings each; ms per call")
    print(f"{'':<32} {'p50':>7} {'p95':>7} {'max':>7}")
    for name, calls in contenders.items():
        times = []
        for call in calls:
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        p50, p95 = np.percentile(times, [50, 95])
        print(f"{name:<32} {p50:7.2f} {p95:7.2f} {max(times):7.2f}")


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # KiB on Linux
