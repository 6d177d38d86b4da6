"""Diversifying: re-rank a blended list so it doesn't repeat the same film.

Pure numpy over the candidates' unit embeddings.
"""

from __future__ import annotations

import numpy as np


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, lam: float) -> list[int]:
    """Maximal marginal relevance: trade a little score for not repeating the same film.

    Each pick maximises lam * relevance - (1 - lam) * (max cosine to what is already
    picked), so ten sequels become a few sequels and their neighbours.
    """
    chosen: list[int] = []
    available = np.ones(len(relevance), dtype=bool)
    max_similarity = np.zeros(len(relevance), dtype=np.float32)
    for _ in range(min(k, len(relevance))):
        value = np.where(available, lam * relevance - (1 - lam) * max_similarity, -np.inf)
        best = int(value.argmax())
        chosen.append(best)
        available[best] = False
        max_similarity = np.maximum(max_similarity, vectors @ vectors[best])
    return chosen
