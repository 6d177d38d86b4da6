"""The embedding model loader and the dirty → claim → encode → write pipeline.

Most pipeline tests swap `catalog.embedding.encode` for a deterministic fake that
records what it was asked to encode; the database is always the real one. The
model tests and the Celery end-to-end test use the real bundled MiniLM.
"""

import hashlib
import shutil
import threading
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from catalog import embedding, services, tasks
from catalog.documents import document_hash, movie_document, movies_for_documents
from catalog.models import Movie
from catalog.selectors import movies_waiting_for_embedding_count
from jobs.models import Job
from jobs.progress import NullProgress
from recommendations.selectors import recommender_versions
from tests.factories import GenreFactory, MovieFactory
from tests.waiting import job_finished


def fake_vector(text: str) -> np.ndarray:
    seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
    vector = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def encoded(monkeypatch) -> list[str]:
    """Every text the pipeline encodes, through a fast deterministic stand-in model."""
    texts: list[str] = []

    def fake_encode(batch):
        texts.extend(batch)
        return np.stack([fake_vector(text) for text in batch])

    monkeypatch.setattr(embedding, "encode", fake_encode)
    return texts


def embed_dirty() -> services.EmbeddingReport:
    return services.movies_embed_dirty(progress=NullProgress())


def assert_embedded_with_current_text(movie_ids, model=None):
    model = model or embedding.model_name()
    for movie in Movie.objects.filter(pk__in=movie_ids).prefetch_related("genres"):
        text = movie_document(movie)
        assert not movie.needs_embedding
        assert movie.embedding_model == model
        assert movie.embedding_text_hash == document_hash(text)
        np.testing.assert_allclose(movie.embedding, fake_vector(text), atol=1e-6)


# The model


class FakeModel:
    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimensions


def test_both_spellings_of_the_default_name_the_bundled_model(settings):
    settings.EMBEDDING_BACKEND = embedding.TORCH
    settings.EMBEDDING_MODEL = "all-MiniLM-L6-v2"
    assert embedding.model_name() == embedding.DEFAULT_MODEL
    settings.EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
    assert embedding.model_name() == embedding.DEFAULT_MODEL
    settings.EMBEDDING_MODEL = "/models/custom"
    assert embedding.model_name() == "/models/custom"


def test_the_default_model_loads_offline_once_and_encodes_unit_vectors():
    vectors = embedding.encode(["Toy Story (1995).", "A theme park of cloned dinosaurs."])
    assert vectors.shape == (2, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert embedding.configured_model() is embedding.configured_model()


def test_a_model_with_other_dimensions_is_refused_clearly(monkeypatch):
    monkeypatch.setattr(embedding, "_sentence_transformer", lambda location: FakeModel(768))
    with pytest.raises(ImproperlyConfigured, match=r"768-dimensional .* vector\(384\)"):
        embedding.load_model("acme/bigger-model")


def test_a_model_that_cannot_be_fetched_offline_says_what_to_do(monkeypatch):
    def offline(location):
        raise OSError("We couldn't connect to 'https://huggingface.co' to load the files")

    monkeypatch.setattr(embedding, "_sentence_transformer", offline)
    with pytest.raises(ImproperlyConfigured, match="could not be loaded .* local"):
        embedding.load_model("acme/not-downloaded")


def test_a_missing_model_folder_is_refused_before_trying_the_hub():
    with pytest.raises(ImproperlyConfigured, match="not a folder that exists"):
        embedding.load_model("/nonexistent/model-folder")


# Backends: ONNX Runtime, fp32 and int8, against sentence-transformers on torch

TEXTS = [
    "Toy Story (1995).\nGenres: Animation, Children, Comedy.",
    "Jurassic Park (1993).\nA theme park of cloned dinosaurs loses power and the "
    "dinosaurs run loose while a paleontologist protects two children.",
    "Heat (1995).\n" + "A group of professional bank robbers is tracked by a detective. " * 12,
]


def vectors_on(backend: str) -> np.ndarray:
    model = embedding.load_model(embedding.DEFAULT_MODEL, backend=backend)
    return model.encode(TEXTS, batch_size=2, normalize_embeddings=True)  # torch's batches


@pytest.mark.parametrize(
    # Measured on 2,000 catalogue documents: fp32 1.0000, int8 mean 0.993, min 0.988.
    ("backend", "at_least"),
    [(embedding.ONNX, 0.9999), (embedding.ONNX_INT8, 0.98)],
)
def test_onnx_backends_embed_like_torch(backend, at_least):
    onnx, torch = vectors_on(backend), vectors_on(embedding.TORCH)
    assert onnx.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(onnx, axis=1), 1.0, rtol=1e-5)
    cosine = (onnx * torch).sum(axis=1)
    assert cosine.min() >= at_least, cosine
    # Not merely close to anything: each text is nearest to its own torch vector.
    assert ((onnx @ torch.T).argmax(axis=1) == [0, 1, 2]).all()


@pytest.mark.parametrize("backend", [embedding.ONNX, embedding.ONNX_INT8])
def test_a_text_gets_the_same_vector_whatever_it_is_encoded_with(backend):
    model = embedding.load_model(embedding.DEFAULT_MODEL, backend=backend)
    alone = np.stack([model.encode([text])[0] for text in TEXTS])
    together = model.encode(TEXTS[::-1] * 2)[:3][::-1]
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_the_onnx_export_is_cached_in_the_data_dir(monkeypatch, settings, tmp_path):
    settings.EMBEDDING_EXPORT_DIR = tmp_path  # no install export of int8 either way
    vectors_on(embedding.ONNX_INT8)  # exported here, or by an earlier run
    location = embedding._model_location(embedding.DEFAULT_MODEL)
    folder = embedding.onnx_folder(embedding.DEFAULT_MODEL, location, quantized=True)
    assert (folder / "model.onnx").is_file()

    def export_again(*args, **kwargs):
        raise AssertionError("exported a second time")

    monkeypatch.setattr(embedding, "_export_onnx", export_again)
    embedding.load_model.cache_clear()
    assert embedding.load_model(embedding.DEFAULT_MODEL, backend=embedding.ONNX_INT8)


@pytest.fixture
def exports(monkeypatch, settings, tmp_path) -> list[Path]:
    """Every folder the model is exported into, by a copy of a real export; the install's
    export folder and the data dir start empty."""
    location = embedding._model_location(embedding.DEFAULT_MODEL)
    embedding.load_model(embedding.DEFAULT_MODEL, backend=embedding.ONNX)  # a real export exists
    real = next(
        folder
        for folder in (
            embedding.onnx_folder(
                embedding.DEFAULT_MODEL,
                location,
                quantized=False,
                root=settings.EMBEDDING_EXPORT_DIR,
            ),
            embedding.onnx_folder(embedding.DEFAULT_MODEL, location, quantized=False),
        )
        if (folder / "meta.json").exists()
    )
    folders: list[Path] = []

    def export_by_copy(name, location, folder, *, quantized):
        folders.append(folder)
        shutil.copytree(real, folder)

    monkeypatch.setattr(embedding, "_export_onnx", export_by_copy)
    settings.EMBEDDING_BACKEND = embedding.ONNX
    settings.EMBEDDING_EXPORT_DIR = tmp_path / "installed"
    settings.MOVIEREC_DATA_DIR = tmp_path / "data"
    embedding.load_model.cache_clear()
    yield folders
    embedding.load_model.cache_clear()  # its model's files are gone with tmp_path


def test_install_exports_the_model_once_and_processes_load_it_without_exporting(exports, settings):
    out = StringIO()
    call_command("export_embedding_model", stdout=out)
    installed = settings.EMBEDDING_EXPORT_DIR
    assert [folder.parent for folder in exports] == [installed]
    assert f"Exported the embedding model to {exports[0]}" in out.getvalue()

    call_command("export_embedding_model", stdout=out)  # make install run again
    assert "already exported" in out.getvalue() and len(exports) == 1

    model = embedding.load_model(embedding.DEFAULT_MODEL, backend=embedding.ONNX)
    assert model.encode(TEXTS).shape == (3, 384)
    assert len(exports) == 1 and not (settings.MOVIEREC_DATA_DIR / "models").exists()


def test_without_the_install_export_the_first_process_exports_into_the_data_dir(exports, settings):
    model = embedding.load_model(embedding.DEFAULT_MODEL, backend=embedding.ONNX)

    assert model.encode(TEXTS).shape == (3, 384)
    assert [folder.parent for folder in exports] == [settings.MOVIEREC_DATA_DIR / "models"]
    assert not settings.EMBEDDING_EXPORT_DIR.exists()


def test_exporting_on_the_torch_backend_says_there_is_nothing_to_export(exports, settings):
    settings.EMBEDDING_BACKEND = embedding.TORCH
    out = StringIO()
    call_command("export_embedding_model", stdout=out)
    assert out.getvalue().strip() == "EMBEDDING_BACKEND=torch: nothing to export."
    assert exports == []


def test_the_export_is_redone_when_the_model_folder_changes(tmp_path):
    source = Path(embedding._model_location(embedding.DEFAULT_MODEL))
    copy = tmp_path / "model"
    shutil.copytree(source, copy)
    before = embedding.onnx_folder("custom", str(copy), quantized=True)
    (copy / "config.json").write_text((copy / "config.json").read_text() + "\n")
    assert embedding.onnx_folder("custom", str(copy), quantized=True) != before


def test_a_model_onnx_cannot_export_asks_for_the_torch_backend(monkeypatch, settings, tmp_path):
    class ClsPooled(list):
        tokenizer = None

    pooling = type("Pooling", (), {"pooling_mode": "cls"})()
    monkeypatch.setattr(
        embedding, "_sentence_transformer", lambda location: ClsPooled([object(), pooling])
    )
    settings.MOVIEREC_DATA_DIR = tmp_path
    with pytest.raises(ImproperlyConfigured, match="EMBEDDING_BACKEND=torch"):
        embedding.load_model("acme/cls-model", backend=embedding.ONNX)
    assert not any((tmp_path / "models").glob("acme-cls-model-onnx-*/meta.json"))


@pytest.mark.django_db
def test_switching_to_or_from_int8_re_embeds_but_fp32_onnx_keeps_torch_vectors(settings):
    settings.EMBEDDING_BACKEND = embedding.TORCH
    movie = MovieFactory(needs_embedding=False, embedding=fake_vector("x"))
    movie.embedding_model = embedding.model_name()
    movie.save()
    settings.EMBEDDING_BACKEND = embedding.ONNX
    assert services.movie_mark_stale_model_dirty() == 0
    settings.EMBEDDING_BACKEND = embedding.ONNX_INT8
    assert embedding.model_name() == f"{embedding.DEFAULT_MODEL}@onnx-int8"
    assert services.movie_mark_stale_model_dirty() == 1


# Dirty flags


@pytest.mark.django_db
def test_marking_dirty_queues_embedding_only_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        tasks.embed_dirty_movies_task,
        "apply_async",
        lambda kwargs=None, **options: queued.append(kwargs),
    )
    clean = MovieFactory(needs_embedding=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.movies_reembed(movie_ids=[clean.pk]) == 1
        assert queued == []
    assert queued == [{}]
    clean.refresh_from_db()
    assert clean.needs_embedding


@pytest.mark.django_db
def test_the_waiting_count_counts_dirty_movies():
    MovieFactory.create_batch(3)
    MovieFactory(needs_embedding=False)
    assert movies_waiting_for_embedding_count() == 3


# Claims


@pytest.mark.django_db
def test_a_claim_takes_dirty_movies_by_id_up_to_the_limit():
    dirty = sorted(m.pk for m in MovieFactory.create_batch(5))
    MovieFactory(needs_embedding=False)
    assert services.movie_embedding_claim(limit=3).movie_ids == dirty[:3]
    assert services.movie_embedding_claim(limit=3).movie_ids == dirty[3:]
    assert services.movie_embedding_claim(limit=3).movie_ids == []


@pytest.mark.django_db
def test_a_claim_of_a_killed_worker_is_taken_again_after_the_lease():
    ids = [m.pk for m in MovieFactory.create_batch(2)]
    assert services.movie_embedding_claim().movie_ids == ids
    assert services.movie_embedding_claim().movie_ids == []
    expired = timezone.now() - services.EMBEDDING_LEASE - timedelta(minutes=1)
    Movie.objects.filter(pk__in=ids).update(embedding_claimed_at=expired)
    assert services.movie_embedding_claim().movie_ids == ids


@pytest.mark.django_db(transaction=True)
def test_a_claimer_skips_rows_another_claimer_is_taking_without_waiting():
    ids = sorted(m.pk for m in MovieFactory.create_batch(6))
    first_claimed, second_done = threading.Event(), threading.Event()
    first: list[int] = []

    def slow_first_claimer():
        try:
            with transaction.atomic():  # keeps its row locks until second_done
                first.extend(services.movie_embedding_claim(limit=3).movie_ids)
                first_claimed.set()
                second_done.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_first_claimer)
    thread.start()
    try:
        assert first_claimed.wait(timeout=30)
        with connection.cursor() as cursor:
            # Waiting for the locks would be the bug: fail fast instead of hanging.
            cursor.execute("SET lock_timeout = '5s'")
        try:
            second = services.movie_embedding_claim(limit=3).movie_ids
        except OperationalError as exc:
            pytest.fail(f"the second claimer waited for the first one's locks: {exc}")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        second_done.set()
        thread.join()
    assert first == ids[:3]
    assert second == ids[3:]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claimers_never_get_the_same_movie():
    ids = sorted(m.pk for m in MovieFactory.create_batch(120))
    start = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def claimer(n: int) -> None:
        try:
            start.wait(timeout=30)
            while batch := services.movie_embedding_claim(limit=4).movie_ids:
                claimed[n].extend(batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claimed[0]) & set(claimed[1])
    assert sorted(claimed[0] + claimed[1]) == ids


# Encoding and writing


@pytest.mark.django_db
def test_dirty_movies_are_embedded_with_the_model_and_their_text_hash(encoded):
    movies = [
        MovieFactory(genres=[GenreFactory(name="Drama")], overview="Two men in prison."),
        *MovieFactory.create_batch(2),
    ]
    report = embed_dirty()
    assert (report.encoded, report.unchanged, report.remaining) == (3, 0, 0)
    assert len(encoded) == 3
    assert_embedded_with_current_text([m.pk for m in movies])
    assert not Movie.objects.filter(embedding_claimed_at__isnull=False).exists()


@pytest.mark.django_db
def test_embedding_moves_the_catalogue_version_the_recommender_caches_against(encoded):
    MovieFactory.create_batch(2)
    before = recommender_versions(user_id=None).catalogue
    embed_dirty()
    assert recommender_versions(user_id=None).catalogue > before


@pytest.mark.django_db
def test_an_unchanged_text_is_not_encoded_again(encoded, django_capture_on_commit_callbacks):
    movies = MovieFactory.create_batch(3)
    embed_dirty()
    encoded.clear()
    Movie.objects.filter(pk=movies[0].pk).update(overview="A brand new overview.")
    with django_capture_on_commit_callbacks():  # the queued task is not wanted here
        tasks.movies_reembed(movie_ids=[m.pk for m in movies])

    report = embed_dirty()

    assert (report.encoded, report.unchanged) == (1, 2)
    assert encoded == [movie_document(movies_for_documents(movie_ids=[movies[0].pk]).get())]
    assert_embedded_with_current_text([m.pk for m in movies])


@pytest.mark.django_db
def test_an_edit_while_encoding_keeps_the_movie_dirty(monkeypatch, encoded):
    movie = MovieFactory(overview="The old overview.")
    old_text = movie_document(movie)
    fake_encode = embedding.encode

    def encode_while_someone_edits(batch):
        Movie.objects.filter(pk=movie.pk).update(overview="The new overview.")
        return fake_encode(batch)

    monkeypatch.setattr(embedding, "encode", encode_while_someone_edits)
    services.movies_embed_claimed(claim=services.movie_embedding_claim())
    movie.refresh_from_db()
    assert movie.needs_embedding
    assert movie.embedding_text_hash == document_hash(old_text)  # the vector is still useful

    monkeypatch.setattr(embedding, "encode", fake_encode)
    embed_dirty()
    assert_embedded_with_current_text([movie.pk])


@pytest.mark.django_db
def test_a_batch_whose_lease_another_worker_took_over_is_left_to_it(encoded):
    movie = MovieFactory()
    claim = services.movie_embedding_claim()
    Movie.objects.filter(pk=movie.pk).update(embedding_claimed_at=timezone.now())
    services.movies_embed_claimed(claim=claim)
    movie.refresh_from_db()
    assert movie.needs_embedding
    assert movie.embedding is None


@pytest.mark.django_db
def test_changing_the_model_re_embeds_every_movie(settings, encoded):
    movies = MovieFactory.create_batch(2)
    embed_dirty()
    settings.EMBEDDING_MODEL = "/models/another-384d-model"
    encoded.clear()
    assert embed_dirty().encoded == 2
    assert len(encoded) == 2
    assert_embedded_with_current_text([m.pk for m in movies])
    assert embedding.model_name().startswith("/models/another-384d-model")


@pytest.mark.django_db
def test_a_run_stops_at_its_deadline_and_reports_what_is_left(encoded):
    MovieFactory.create_batch(3)
    report = services.movies_embed_dirty(progress=NullProgress(), deadline=time.monotonic())
    assert report.timed_out
    assert (report.encoded, report.remaining) == (0, 3)


# The HNSW index during the first embedding of a catalogue


@pytest.fixture
def index_seen(monkeypatch) -> list[bool]:
    """Whether the HNSW index existed while each claim was written."""
    seen: list[bool] = []
    write = services.movies_embed_claimed

    def noting(*, claim):
        seen.append(services.embedding_index_exists())
        return write(claim=claim)

    monkeypatch.setattr(services, "movies_embed_claimed", noting)
    return seen


@pytest.mark.django_db
def test_a_catalogue_without_vectors_is_embedded_without_the_index_then_indexed(
    encoded, index_seen
):
    movies = MovieFactory.create_batch(5)
    services.movies_embed_dirty(progress=NullProgress(), claim_size=2)

    assert index_seen == [False, False, False]
    assert services.embedding_index_exists()
    assert_embedded_with_current_text([m.pk for m in movies])


@pytest.mark.django_db
def test_a_catalogue_with_vectors_keeps_its_index_while_embedding(encoded, index_seen):
    MovieFactory(needs_embedding=False, embedding=fake_vector("seen"))
    MovieFactory.create_batch(3)
    services.movies_embed_dirty(progress=NullProgress(), claim_size=2)

    assert index_seen == [True, True]
    assert services.embedding_index_exists()


@pytest.mark.django_db
def test_a_run_that_died_without_its_index_is_indexed_by_the_next(encoded, index_seen):
    MovieFactory.create_batch(2)
    assert services.embedding_index_defer()
    MovieFactory(needs_embedding=False, embedding=fake_vector("written before the crash"))

    embed_dirty()

    assert index_seen == [False] and services.embedding_index_exists()


@pytest.mark.django_db
def test_a_run_out_of_time_leaves_the_index_to_the_one_that_finishes(encoded):
    MovieFactory.create_batch(3)
    services.movies_embed_dirty(progress=NullProgress(), claim_size=2, deadline=0)
    assert not services.embedding_index_exists()
    embed_dirty()
    assert services.embedding_index_exists()


@pytest.mark.django_db(transaction=True)
def test_a_busy_table_keeps_its_index_rather_than_waiting(encoded):
    MovieFactory.create_batch(2)
    reading, done = threading.Event(), threading.Event()

    def long_reader():
        with transaction.atomic():
            Movie.objects.count()  # holds its lock on the table until the end
            reading.set()
            done.wait(10)
        connection.close()

    thread = threading.Thread(target=long_reader)
    thread.start()
    try:
        reading.wait(10)
        started = time.monotonic()
        assert not services.embedding_index_defer()
        assert time.monotonic() - started < 5  # gave up at the lock timeout
    finally:
        done.set()
        thread.join()
    assert services.embedding_index_exists()


# Command


@pytest.mark.django_db
def test_embed_movies_sync_all_re_embeds_every_movie(encoded):
    MovieFactory.create_batch(2)
    embed_dirty()
    out = StringIO()
    call_command("embed_movies", "--sync", "--all", verbosity=0, stdout=out)
    assert "Marked 2 movies" in out.getvalue()
    assert "Embedded 0 movies, 2 unchanged." in out.getvalue()
    assert len(encoded) == 2  # the texts did not change, so nothing was encoded twice
    assert movies_waiting_for_embedding_count() == 0


@pytest.mark.django_db
def test_embed_movies_queues_a_job_after_commit(django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("embed_movies", stdout=out)
    job = Job.objects.get()
    assert (job.kind, job.state) == (Job.Kind.EMBEDDING, Job.State.QUEUED)
    assert f"Queued embedding job {job.pk}" in out.getvalue()
    assert len(callbacks) == 1


# End to end: real broker, real worker process, real model


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_embeds_every_dirty_movie(celery_worker_process):
    movies = [
        MovieFactory(title="Jurassic Park", overview="Cloned dinosaurs run loose in a theme park."),
        MovieFactory(title="Toy Story", genres=[GenreFactory(name="Animation")]),
        *MovieFactory.create_batch(3),
    ]
    job = tasks.embedding_job_start()

    job = job_finished(job.pk, timeout=240)

    assert job.state == Job.State.SUCCEEDED, job.message
    assert (job.progress_done, job.message) == (5, "Embedded 5 movies, 0 unchanged.")
    assert movies_waiting_for_embedding_count() == 0
    for movie in Movie.objects.filter(pk__in=[m.pk for m in movies]).prefetch_related("genres"):
        assert len(movie.embedding) == 384
        assert movie.embedding_model == embedding.model_name()
        assert movie.embedding_text_hash == document_hash(movie_document(movie))
