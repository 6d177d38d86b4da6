"""Embedding throughput and quality: the configured backend's whole pipeline (claim,
read, build documents, encode, write) against the torch pipeline as it was
(sentence-transformers, 256-movie claims), side by side in one run.

Runs in its own database (movierec_bench_embed) on the same server, filled from
ml-latest-small and TMDB's 5000 movies, so development data is never touched.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.test import override_settings

from bench._db import bench_database
from catalog import embedding
from catalog.documents import movie_document, movies_for_documents
from catalog.models import Movie
from catalog.services import EMBEDDING_CLAIM_SIZE, movies_embed_dirty
from jobs.progress import NullProgress

DATABASE = "movierec_bench_embed"
SHARED = Path(settings.BASE_DIR).parent / "shared" / "data"
SOURCE = SHARED / "movielens" / "ml-latest-small"
TMDB = SHARED / "tmdb" / "tmdb_5000_movies.csv"
MOVIES = 2000  # a fixed random sample: the catalogue's mix of short and TMDB-long texts
ROUNDS = 2  # alternate old and new runs; the best of each absorbs CPU noise
TODAY = {"backend": embedding.TORCH, "claim_size": 256}
NEIGHBOURS = 10
QUERIES = 200


def ensure_catalogue() -> None:
    if Movie.objects.exclude(overview="").exists():
        return
    from catalog.importers.tmdb import tmdb_metadata_import
    from ratings.movielens.service import movielens_import

    print(f"importing {SOURCE} and {TMDB} ...", flush=True)
    print(movielens_import(source=str(SOURCE), progress=NullProgress()).summary(), flush=True)
    print(tmdb_metadata_import(path=TMDB, progress=NullProgress()).summary(), flush=True)


def main() -> None:
    with bench_database(DATABASE):
        _run()


def _run() -> None:
    ensure_catalogue()
    ids = sorted(random.Random(7).sample(list(Movie.objects.values_list("pk", flat=True)), MOVIES))
    texts = [movie_document(movie) for movie in movies_for_documents(movie_ids=ids)]
    # Vectors of another backend outside the sample would be re-embedded with it.
    Movie.objects.exclude(pk__in=ids).update(embedding=None, needs_embedding=False)
    new = {"backend": settings.EMBEDDING_BACKEND, "claim_size": EMBEDDING_CLAIM_SIZE}
    runs = {"today": TODAY, "new": new}
    for run in runs.values():
        with override_settings(EMBEDDING_BACKEND=run["backend"]):
            embedding.encode(texts[:64])  # load (export once) and warm up outside the timings

    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(ROUNDS):
        for name, run in runs.items():
            with override_settings(EMBEDDING_BACKEND=run["backend"]):
                timings[name].append(_pipeline(ids, claim_size=run["claim_size"]))
                vectors[name] = _stored_vectors(ids)

    print(f"movies: {MOVIES} of ml-latest-small + TMDB 5000, model {embedding.DEFAULT_MODEL}")
    print(f"load average now: {os.getloadavg()[0]:.1f} (2 cores; >2 means other work shared them)")
    best = {name: min(wall for wall, _ in runs_) for name, runs_ in timings.items()}
    for name, run in runs.items():
        print(
            f"{name:6s} {run['backend']:9s} claims of {run['claim_size']:4d}: "
            f"{MOVIES / best[name]:7.1f} movies/s  (wall / cpu: {_runs(timings[name])})"
        )
    cpu = {name: min(c for _, c in runs_) for name, runs_ in timings.items()}
    print(
        f"new / today throughput ratio: {best['today'] / best['new']:.2f} wall clock, "
        f"{cpu['today'] / cpu['new']:.2f} CPU time"
    )
    _quality(vectors["today"], vectors["new"])


def _pipeline(ids: list[int], *, claim_size: int) -> tuple[float, float]:
    """Re-embed exactly these movies through the real pipeline: (wall, CPU) seconds."""
    Movie.objects.update(needs_embedding=False)
    Movie.objects.filter(pk__in=ids).update(needs_embedding=True, embedding_text_hash="")
    wall, cpu = time.perf_counter(), time.process_time()
    report = movies_embed_dirty(progress=NullProgress(), claim_size=claim_size)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert report.encoded == len(ids), report
    return wall, cpu


def _stored_vectors(ids: list[int]) -> np.ndarray:
    stored = dict(Movie.objects.filter(pk__in=ids).values_list("pk", "embedding"))
    return np.stack([np.asarray(stored[pk], dtype=np.float32) for pk in ids])


def _quality(today: np.ndarray, new: np.ndarray) -> None:
    """How far the new vectors are from today's, and whether neighbours change."""
    cosine = (today * new).sum(axis=1)
    print(
        f"cosine new vs today per movie: mean {cosine.mean():.4f}, "
        f"1st percentile {np.percentile(cosine, 1):.4f}, min {cosine.min():.4f}"
    )
    queries = random.Random(11).sample(range(len(today)), QUERIES)
    overlap = [
        len(set(_neighbours(today, q)) & set(_neighbours(new, q))) / NEIGHBOURS for q in queries
    ]
    print(
        f"top-{NEIGHBOURS} neighbours shared with today's (within the sample, "
        f"{QUERIES} movies): {np.mean(overlap):.3f}"
    )


def _neighbours(vectors: np.ndarray, query: int) -> np.ndarray:
    scores = vectors @ vectors[query]
    scores[query] = -np.inf
    return np.argsort(-scores)[:NEIGHBOURS]


def _runs(seconds: list[tuple[float, float]]) -> str:
    return ", ".join(f"{wall:.1f}/{cpu:.1f}s" for wall, cpu in seconds)
