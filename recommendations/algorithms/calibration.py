"""Calibration (Steck, "Calibrated Recommendations", RecSys 2018): a list holds each side
of a person's taste in proportion to their likes.

A film's genre distribution p(g|i) spreads it evenly over its genres. The person's taste
p(g|u) is the mean of their liked films' distributions, a list's q(g|u) the mean of its
films'. Miscalibration is the Kullback-Leibler divergence

    C_KL(p, q) = Σ_g p(g|u) log(p(g|u) / q̃(g|u)),  q̃ = (1 - α) q + α p,

where the small α keeps it finite when the list misses a genre of the taste. The
re-rank picks greedily, each step adding the film that maximises
(1 - λ) · its value - λ · C_KL(p, q of the whole list with it); λ = 0 leaves the order
alone. The hybrid's diversifying re-rank (`diversify.mmr`) takes that step with MMR's
value.

The whole list: the slots not yet filled are taken to hold the taste p. Steck's greedy
step scores each first few films as if they were the list, so a one-genre film at the
top costs as much as a one-genre list, and the first picks, where an accuracy metric
weighs most, are pulled towards films of many genres. Scored as a whole list, the top
keeps its order and the later slots make up what the list lacks; at the last slot both
are the paper's C_KL of the list. On ml-latest-small's validation split (seed 0) that
lowered miscalibration@10 by 30 % for no nDCG@10, where the per-prefix step paid 0.010
(docs/evaluation.md).
Pure numpy: the site's ranking and the offline evaluation both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.vectors import sorted_positions

# Steck's α: how much of the taste stands in for a genre the list lacks.
KL_ALPHA = 0.01


@dataclass(frozen=True)
class GenreShares:
    """Every film's genre distribution p(g|i): rows sum to 1, or are all 0 for a film
    without genres. `movie_ids` is sorted; `names` label the columns."""

    movie_ids: np.ndarray
    shares: np.ndarray  # float64, films x genres
    names: tuple[str, ...]

    @classmethod
    def from_masks(cls, movie_ids: np.ndarray, masks: dict[str, np.ndarray]) -> GenreShares:
        """From one bool mask per genre, aligned with the sorted `movie_ids`. MovieLens'
        "(no genres listed)" is no genre: such a film says nothing about a taste."""
        names = tuple(sorted(name for name in masks if not name.startswith("(")))
        if not names:
            return cls(movie_ids, np.zeros((len(movie_ids), 0)), names)
        member = np.stack([masks[name] for name in names], axis=1).astype(np.float64)
        counts = member.sum(axis=1, keepdims=True)
        return cls(movie_ids, member / np.maximum(counts, 1.0), names)

    def of(self, movie_ids: np.ndarray) -> np.ndarray:
        """The rows of `movie_ids`; zeros for films not in the table."""
        found, known = sorted_positions(self.movie_ids, np.asarray(movie_ids, dtype=np.int64))
        rows = np.zeros((len(found), self.shares.shape[1]))
        rows[known] = self.shares[found[known]]
        return rows

    def taste(self, liked_ids: np.ndarray) -> np.ndarray | None:
        """p(g|u) of a person who liked `liked_ids` (`distribution`)."""
        return distribution(self.of(liked_ids))


def distribution(rows: np.ndarray) -> np.ndarray | None:
    """The mean genre distribution of films' `rows` (those without genres left out); None
    when no film has a genre: there is nothing to calibrate to."""
    rows = rows[rows.sum(axis=1) > 0]
    return rows.mean(axis=0) if len(rows) else None


def miscalibration(taste: np.ndarray, rows: np.ndarray, *, alpha: float = KL_ALPHA) -> float:
    """C_KL of a list whose films' distributions are `rows`, against the `taste` p(g|u)."""
    return float(_kl(taste, rows.mean(axis=0, keepdims=True), alpha=alpha)[0])


def _kl(taste: np.ndarray, lists: np.ndarray, *, alpha: float) -> np.ndarray:
    """C_KL(taste, q) for each row q of `lists`."""
    present = taste > 0
    p = taste[present]
    q = (1.0 - alpha) * lists[:, present] + alpha * p
    return (p * np.log(p / q)).sum(axis=1)


def genre_coverage(taste: np.ndarray, rows: np.ndarray) -> float:
    """The share of the taste's genres that the list's films carry at all."""
    present = taste > 0
    if not present.any():
        return 0.0
    return float((rows[:, present].sum(axis=0) > 0).mean())


@dataclass(frozen=True)
class Calibration:
    """What a re-rank calibrates to: the candidates' genre `rows`, the `taste` p(g|u), the
    weight λ of miscalibration against a pick's value and the `length` of the list."""

    rows: np.ndarray
    taste: np.ndarray
    weight: float
    length: int

    def gain(self, value: np.ndarray, chosen: list[int]) -> np.ndarray:
        """Each candidate's worth as the next pick after `chosen`: (1 - λ) · its `value` -
        λ · C_KL of the whole list with it, its slots after that one holding the taste."""
        unfilled = max(self.length - len(chosen) - 1, 0)
        picked = self.rows[chosen].sum(axis=0) + unfilled * self.taste
        lists = (picked + self.rows) / (len(chosen) + 1 + unfilled)
        return (1.0 - self.weight) * value - self.weight * _kl(self.taste, lists, alpha=KL_ALPHA)
