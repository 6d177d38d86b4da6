"""Writes for the catalogue: movie flags and the embedding of dirty movies."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from pgvector.django import HnswIndex

from catalog import embedding
from catalog.documents import document_hash, movie_document, movies_for_documents
from catalog.models import Movie
from catalog.selectors import movies_waiting_for_embedding_count
from jobs.progress import Progress

# Embeddings. Edits mark movies dirty; workers claim dirty movies in leased batches,
# embed their documents and clear the flag only if the text did not change meanwhile.

# Larger claims mean fewer round trips per movie and, for the batching backends, batches
# of more similar lengths, so less padding (docs/benchmarks.md "Embedding").
EMBEDDING_CLAIM_SIZE = 1024
# Far longer than one batch takes; a killed worker's batch is claimable again after it.
EMBEDDING_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class EmbeddingClaim:
    movie_ids: list[int]
    # Fencing token: the write only applies while the lease is still this one.
    claimed_at: datetime | None


@dataclass
class EmbeddingReport:
    encoded: int = 0
    unchanged: int = 0
    remaining: int = 0
    timed_out: bool = False

    def summary(self) -> str:
        text = f"Embedded {self.encoded} movies, {self.unchanged} unchanged."
        if self.remaining:
            text += f" {self.remaining} still waiting."
        return text


def movie_mark_dirty(*, movie_ids: Iterable[int]) -> int:
    """Flag movies whose text may have changed; `catalog.tasks.movies_reembed` also queues."""
    return Movie.objects.filter(pk__in=list(movie_ids)).update(needs_embedding=True)


def movie_flags_set(
    *, movie_ids: Iterable[int], hidden: bool | None = None, featured: bool | None = None
) -> int:
    """Hide or show movies in lists and recommendations, and (un)feature them on the home page."""
    flags = {
        name: value
        for name, value in (("is_hidden", hidden), ("is_featured", featured))
        if value is not None
    }
    if not flags:
        raise ValueError("Set hidden, featured or both.")
    return Movie.objects.filter(pk__in=list(movie_ids)).update(**flags, updated_at=timezone.now())


def movie_mark_all_dirty() -> int:
    """Flag every movie, to force re-embedding; the caller runs or queues the embedding."""
    return Movie.objects.update(needs_embedding=True)


def movie_mark_stale_model_dirty() -> int:
    """Flag movies embedded by another model than the configured one."""
    return (
        Movie.objects.filter(needs_embedding=False, embedding__isnull=False)
        .exclude(embedding_model=embedding.model_name())
        .update(needs_embedding=True)
    )


# The batch is picked once, in a MATERIALIZED CTE: as `WHERE id IN (SELECT ... LIMIT n)`
# the planner may rescan the subquery (nested loop, or a recheck after a concurrent
# update) and so update more than n rows, or rows it never locked.
_CLAIM_SQL = """
WITH batch AS MATERIALIZED (
    SELECT id FROM catalog_movie
    WHERE needs_embedding
      AND (embedding_claimed_at IS NULL OR embedding_claimed_at < now() - %(lease)s)
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE catalog_movie AS m SET embedding_claimed_at = now()
FROM batch
WHERE m.id = batch.id
RETURNING m.id, m.embedding_claimed_at
"""


def movie_embedding_claim(
    *, limit: int = EMBEDDING_CLAIM_SIZE, lease: timedelta = EMBEDDING_LEASE
) -> EmbeddingClaim:
    """Lease up to `limit` dirty movies that no live worker holds.

    SKIP LOCKED passes over rows another claimer is taking right now, and its
    committed timestamp hides them from later claimers until the lease expires.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, {"lease": lease, "limit": limit})
        rows = cursor.fetchall()
    return EmbeddingClaim(
        movie_ids=sorted(movie_id for movie_id, _ in rows),
        claimed_at=rows[0][1] if rows else None,
    )


def movies_embed_claimed(*, claim: EmbeddingClaim) -> EmbeddingReport:
    """Embed a claimed batch: encode changed documents in one call, write in one statement."""
    model = embedding.model_name()
    movies = list(movies_for_documents(movie_ids=claim.movie_ids))
    hashes = {}
    changed: dict[int, str] = {}
    for movie in movies:
        text = movie_document(movie)
        hashes[movie.pk] = document_hash(text)
        if hashes[movie.pk] != movie.embedding_text_hash or movie.embedding_model != model:
            changed[movie.pk] = text
    # The model is only loaded (once per process) when something really needs encoding.
    vectors = (
        dict(zip(changed, embedding.encode(list(changed.values())), strict=True)) if changed else {}
    )
    _embeddings_write(claim=claim, hashes=hashes, vectors=vectors, model=model)
    return EmbeddingReport(encoded=len(vectors), unchanged=len(hashes) - len(vectors))


def _embeddings_write(
    *, claim: EmbeddingClaim, hashes: dict[int, str], vectors: dict[int, np.ndarray], model: str
) -> None:
    """Store vectors and hashes; clear the flag only where the text is still the embedded one.

    The rows are locked and their documents rebuilt, so an edit committed while we
    were encoding keeps its movie dirty, and one made after waits for this commit.
    Rows re-leased by another worker since (our lease expired) are left to it.
    """
    if not hashes:
        return
    with transaction.atomic():
        locked = movies_for_documents(movie_ids=hashes).select_for_update()
        current = {movie.pk: document_hash(movie_document(movie)) for movie in locked}
        to_db = Movie._meta.get_field("embedding").get_prep_value
        rows = [
            (pk, to_db(vectors.get(pk)), text_hash, current.get(pk))
            for pk, text_hash in hashes.items()
        ]
        values = ", ".join(["(%s::bigint, %s::vector, %s::text, %s::text)"] * len(rows))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE catalog_movie AS m SET
                    embedding = coalesce(v.embedding, m.embedding),
                    embedding_model = %s,
                    embedding_text_hash = v.text_hash,
                    needs_embedding = v.text_hash IS DISTINCT FROM v.current_hash,
                    embedding_claimed_at = NULL,
                    -- Moves the catalogue version the recommender caches against; not now(),
                    -- which is this transaction's start and may be older than other writes.
                    updated_at = clock_timestamp()
                FROM (VALUES {values}) AS v(id, embedding, text_hash, current_hash)
                WHERE m.id = v.id AND m.embedding_claimed_at = %s
                """,
                [model, *(value for row in rows for value in row), claim.claimed_at],
            )


def movies_embed_dirty(
    *, progress: Progress, deadline: float | None = None, claim_size: int = EMBEDDING_CLAIM_SIZE
) -> EmbeddingReport:
    """Embed dirty movies batch by batch until none is left to claim or time.monotonic() passes
    `deadline`. Safe to run in several processes at once: batches never overlap."""
    movie_mark_stale_model_dirty()
    embedding_index_defer()
    report = EmbeddingReport()
    progress.stage("Embedding movies", total=movies_waiting_for_embedding_count())
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            report.timed_out = True
            break
        claim = movie_embedding_claim(limit=claim_size)
        if not claim.movie_ids:
            break
        batch = movies_embed_claimed(claim=claim)
        report.encoded += batch.encoded
        report.unchanged += batch.unchanged
        progress.advance(len(claim.movie_ids))
    report.remaining = movies_waiting_for_embedding_count()
    if not report.remaining:
        embedding_index_ensure()
    return report


# Each claim's UPDATE inserts its vectors into the HNSW index one at a time: about 20 s of
# PostgreSQL's CPU for ml-latest-small's 9,742 movies, beside the embedding, where building
# the index over them afterwards takes about 2 s (docs/benchmarks.md "First run"). So the
# first embedding of a catalogue without a single vector runs without the index, and the
# run that leaves nothing waiting builds it (any such run does, should one have died).
# "More like this" and search meanwhile scan the few vectors there are.
EMBEDDING_INDEX_LOCK_TIMEOUT = "2s"


def _embedding_index() -> HnswIndex:
    return next(index for index in Movie._meta.indexes if isinstance(index, HnswIndex))


def embedding_index_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_embedding_index().name])
        return cursor.fetchone()[0]


def embedding_index_defer() -> bool:
    """Drop the HNSW index when no movie has a vector yet; True when it was dropped. A
    busy table keeps it: dropping waits for every query on the table, and blocks the
    queries after it while it waits, so it gives up after EMBEDDING_INDEX_LOCK_TIMEOUT."""
    if Movie.objects.filter(embedding__isnull=False).exists() or not embedding_index_exists():
        return False
    try:
        with transaction.atomic(), connection.schema_editor(atomic=False) as editor:
            editor.execute(f"SET LOCAL lock_timeout = '{EMBEDDING_INDEX_LOCK_TIMEOUT}'")
            editor.execute(_embedding_index().remove_sql(Movie, editor))
    except OperationalError:  # lock_timeout: the embedding runs with the index instead
        return False
    return True


def embedding_index_ensure() -> None:
    """Build the HNSW index unless it exists. The table lock makes a second builder wait
    for the first (CREATE INDEX's own lock does not exclude another CREATE INDEX)."""
    if embedding_index_exists():
        return
    with transaction.atomic(), connection.schema_editor(atomic=False) as editor:
        editor.execute(f"LOCK TABLE {Movie._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        if_missing = editor.sql_create_index.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS")
        editor.execute(_embedding_index().create_sql(Movie, editor, sql=if_missing))
