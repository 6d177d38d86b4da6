"""Diversifying: re-rank a blended list so it doesn't repeat the same film.

Pure numpy over the candidates' unit embeddings.
"""

from __future__ import annotations

import numpy as np

from recommendations.algorithms.calibration import Calibration


def mmr(
    relevance: np.ndarray,
    vectors: np.ndarray,
    k: int,
    lam: float,
    calibration: Calibration | None = None,
) -> list[int]:
    """Maximal marginal relevance: trade a little score for not repeating the same film.

    Each pick maximises lam * relevance - (1 - lam) * (max cosine to what is already
    picked), so ten sequels become a few sequels and their neighbours. With
    `calibration`, that value is traded against the list's miscalibration
    (`Calibration.gain`), so each side of the taste keeps its share.
    """
    chosen: list[int] = []
    available = np.ones(len(relevance), dtype=bool)
    max_similarity = np.zeros(len(relevance), dtype=np.float32)
    for _ in range(min(k, len(relevance))):
        value = lam * relevance - (1 - lam) * max_similarity
        if calibration is not None:
            value = calibration.gain(value, chosen)
        value = np.where(available, value, -np.inf)
        best = int(value.argmax())
        chosen.append(best)
        available[best] = False
        max_similarity = np.maximum(max_similarity, vectors @ vectors[best])
    return chosen
