"""Vector codecs and numpy helpers shared by the catalogue, the recommender and the maps.

Pure numpy: nothing here touches Django or the database.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import numpy as np

# pgvector's binary form (vector_send): uint16 dimensions, uint16 unused, big-endian float4s.
VECTOR_HEADER_BYTES = 4


def decode_vector(data: bytes | memoryview | None) -> np.ndarray | None:
    if data is None:
        return None
    return np.frombuffer(bytes(data), dtype=">f4", offset=VECTOR_HEADER_BYTES).astype(np.float32)


def decode_vectors(rows: Sequence[bytes | memoryview], dimensions: int) -> np.ndarray:
    """Many same-sized vector_send values in one numpy pass: a (len(rows), dimensions) matrix."""
    raw = np.frombuffer(b"".join(bytes(data) for data in rows), dtype=np.uint8)
    raw = raw.reshape(len(rows), VECTOR_HEADER_BYTES + 4 * dimensions)[:, VECTOR_HEADER_BYTES:]
    return raw.copy().view(">f4").astype(np.float32)


def sorted_positions(sorted_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each of `ids` in `sorted_ids`, and the mask of those that are there."""
    if not len(sorted_ids):
        return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    found = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return found, sorted_ids[found] == ids


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def top_k(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n best finite scores, in no particular order (fewer when fewer are
    finite): the one top-k of the recommender's pools and neighbours."""
    n = min(n, int(np.isfinite(scores).sum()))
    return np.argpartition(-scores, n - 1)[:n] if n else np.array([], dtype=np.int64)


def top_k_sorted(scores: np.ndarray, n: int) -> np.ndarray:
    """`top_k`, best first (ties by index)."""
    top = top_k(scores, n)
    return top[np.lexsort((top, -scores[top]))]


def npz_dumps(*, meta: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """Arrays plus a JSON-able dict (e.g. the hyper-parameters) as one npz artifact.

    The dict travels as a JSON string, so loading needs no pickle (`allow_pickle` stays off).
    """
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
    return buffer.getvalue()


def npz_loads(data: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(io.BytesIO(data)) as npz:
        return json.loads(str(npz["meta"])), {
            name: npz[name] for name in npz.files if name != "meta"
        }
