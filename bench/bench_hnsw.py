"""HNSW "more like this" latency (p50/p95) and recall@10 against exact search, per ef_search,
on the 62k-movie ml-25m catalogue in its own database (movierec_bench_hnsw).

Embedding 62k documents takes minutes on a small CPU, so vectors are cached in
MOVIEREC_DATA_DIR/bench/ keyed by model and document hash; re-runs only read them.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from bench._db import bench_database, ensure_movielens
from catalog import embedding, selectors
from catalog.filters import MovieFilters
from catalog.models import VISIBLE_MOVIE_SQL, Movie
from jobs.progress import TqdmProgress

DATABASE = "movierec_bench_hnsw"
SOURCE = Path(settings.BASE_DIR).parent / "shared" / "data" / "movielens" / "ml-25m-catalog"
QUERIES = 200
K = 10
EF_SEARCHES = (40, 64, 100, 200)
NEAREST_SQL = f"""
    SELECT m.id FROM {Movie._meta.db_table} m
    WHERE {VISIBLE_MOVIE_SQL.format(movie="m")} AND m.embedding IS NOT NULL AND m.id <> %s
    ORDER BY m.embedding <=> %s::vector LIMIT %s
"""


class CachedEncoder:
    """embedding.encode with a disk cache keyed by document hash, one file per model."""

    def __init__(self) -> None:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", embedding.model_name()).strip("-")
        self.path = Path(settings.MOVIEREC_DATA_DIR) / "bench" / f"vectors-{slug}.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            saved = np.load(self.path)
            self.vectors = dict(zip(saved["hashes"].tolist(), saved["vectors"], strict=True))
        self.encode_texts = embedding.encode

    def encode(self, texts: list[str]) -> np.ndarray:
        from catalog.documents import document_hash

        hashes = [document_hash(text) for text in texts]
        missing = [i for i, h in enumerate(hashes) if h not in self.vectors]
        if missing:
            fresh = self.encode_texts([texts[i] for i in missing])
            self.vectors.update(
                (hashes[i], vector) for i, vector in zip(missing, fresh, strict=True)
            )
        return np.stack([self.vectors[h] for h in hashes])

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        hashes = list(self.vectors)
        np.savez(
            self.path, hashes=np.array(hashes), vectors=np.stack([self.vectors[h] for h in hashes])
        )


def embed_catalogue() -> None:
    from catalog.services import movies_embed_dirty

    cache = CachedEncoder()
    embedding.encode = cache.encode  # the real pipeline, with cached vectors
    try:
        progress = TqdmProgress()
        report = movies_embed_dirty(progress=progress)
        progress.close()
    finally:
        embedding.encode = cache.encode_texts
    cache.save()
    print(report.summary(), f"(cache: {cache.path})", flush=True)


def exact_neighbours(cursor, movie_id: int, vector: str) -> list[int]:
    with transaction.atomic():
        cursor.execute("SET LOCAL enable_indexscan = off")  # brute force: scan and sort
        cursor.execute(NEAREST_SQL, [movie_id, vector, K])
        return [row[0] for row in cursor.fetchall()]


def hnsw_neighbours(cursor, movie_id: int, vector: str, ef_search: int) -> tuple[list[int], float]:
    with transaction.atomic():
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef_search)])
        start = time.perf_counter()
        cursor.execute(NEAREST_SQL, [movie_id, vector, K])
        ids = [row[0] for row in cursor.fetchall()]
        return ids, time.perf_counter() - start


def main() -> None:
    with bench_database(DATABASE):
        _run()


def _run() -> None:
    ensure_movielens(SOURCE, at_least=60_000)
    embed_catalogue()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_movie")

    rng = np.random.default_rng(42)
    all_ids = list(Movie.objects.filter(embedding__isnull=False).values_list("pk", flat=True))
    query_ids = rng.choice(all_ids, size=QUERIES, replace=False).tolist()
    queries = dict(Movie.objects.filter(pk__in=query_ids).values_list("pk", "embedding"))
    vectors = {pk: "[" + ",".join(map(str, queries[pk])) + "]" for pk in query_ids}
    print(f"movies: {len(all_ids)}, queries: {QUERIES}, k: {K}", flush=True)

    with connection.cursor() as cursor:
        start = time.perf_counter()
        exact = {pk: exact_neighbours(cursor, pk, vectors[pk]) for pk in query_ids}
        exact_ms = 1000 * (time.perf_counter() - start) / QUERIES
        print(f"exact (index scans off): {exact_ms:.1f} ms/query on average")
        for ef_search in EF_SEARCHES:
            for pk in query_ids[:20]:  # warm the index pages
                hnsw_neighbours(cursor, pk, vectors[pk], ef_search)
            latencies, hits = [], 0
            for pk in query_ids:
                ids, seconds = hnsw_neighbours(cursor, pk, vectors[pk], ef_search)
                latencies.append(1000 * seconds)
                hits += len(set(ids) & set(exact[pk]))
            p50, p95 = np.percentile(latencies, [50, 95])
            print(
                f"ef_search={ef_search:<4} p50 {p50:5.2f} ms  p95 {p95:5.2f} ms  "
                f"recall@{K} {hits / (K * QUERIES):.3f}",
                flush=True,
            )

    movie = Movie.objects.get(pk=query_ids[0])
    plan = _explain_similar(movie)
    print(f"similar_movies walks movie_embedding_hnsw: {'movie_embedding_hnsw' in plan}")
    for filters in (None, MovieFilters(genre="Film-Noir", decade=1940)):
        latencies = []
        for pk in query_ids[:50]:
            start = time.perf_counter()
            result = selectors.similar_movies(Movie.objects.get(pk=pk), k=K, filters=filters)
            latencies.append(1000 * (time.perf_counter() - start))
            assert len(result) == K, (pk, filters, len(result))
        p50, p95 = np.percentile(latencies, [50, 95])
        print(f"similar_movies end to end, filters={filters}: p50 {p50:.1f} ms  p95 {p95:.1f} ms")


def _explain_similar(movie: Movie) -> str:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        selectors.similar_movies(movie, k=K)
    [sql] = [q["sql"] for q in captured if "<=>" in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())
