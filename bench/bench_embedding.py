"""Embedding throughput: the whole pipeline (claim, read, build documents, encode, write)
against bare `model.encode` on the same texts, measured side by side.

Runs in its own database (movierec_bench_embed) on the same server, filled from
ml-latest-small, so development data is never touched.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings

from bench._db import bench_database
from catalog import embedding
from catalog.documents import movie_document, movies_for_documents
from catalog.models import Movie
from jobs.progress import NullProgress

DATABASE = "movierec_bench_embed"
SOURCE = Path(settings.BASE_DIR).parent / "shared" / "data" / "movielens" / "ml-latest-small"
MOVIES = 1024
ROUNDS = 2  # alternate bare and pipeline runs; the best of each absorbs CPU noise


def ensure_movielens(source: Path, at_least: int) -> None:
    if Movie.objects.count() >= at_least:
        return
    from ratings.movielens.service import movielens_import

    print(f"importing {source} ...", flush=True)
    print(movielens_import(source=str(source), progress=NullProgress()).summary(), flush=True)


def main() -> None:
    with bench_database(DATABASE):
        _run()


def _run() -> None:
    from catalog.services import movies_embed_dirty

    ensure_movielens(SOURCE, at_least=MOVIES)
    ids = list(Movie.objects.order_by("pk").values_list("pk", flat=True)[:MOVIES])
    texts = [movie_document(movie) for movie in movies_for_documents(movie_ids=ids)]
    embedding.encode(texts[:64])  # load the model and warm up outside the timings

    bare, pipeline = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        embedding.encode(texts)
        bare.append(time.perf_counter() - start)

        # Force a real re-encode of exactly these movies.
        Movie.objects.update(needs_embedding=False)
        Movie.objects.filter(pk__in=ids).update(needs_embedding=True, embedding_text_hash="")
        start = time.perf_counter()
        report = movies_embed_dirty(progress=NullProgress())
        pipeline.append(time.perf_counter() - start)
        assert report.encoded == MOVIES, report

    best_bare, best_pipeline = min(bare), min(pipeline)
    print(f"movies: {MOVIES}  (ml-latest-small, model {embedding.model_name()})")
    print(f"bare model.encode:  {MOVIES / best_bare:7.1f} movies/s  (runs: {_runs(bare)})")
    print(f"whole pipeline:     {MOVIES / best_pipeline:7.1f} movies/s  (runs: {_runs(pipeline)})")
    print(f"pipeline / bare throughput ratio: {best_bare / best_pipeline:.2f}  (target >= 0.85)")


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s:.1f}s" for s in seconds)
