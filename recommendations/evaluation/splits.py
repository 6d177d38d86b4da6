"""The evaluation's splits: which ratings train, which are held out, and which of the
held-out ones are relevant.

The test split is either a per-user holdout (every user with at least MIN_USER_RATINGS
ratings loses a random HOLDOUT_FRACTION of them) or a global random RANDOM_TEST_FRACTION
of all ratings (Microsoft Recommenders' MovieLens tables). The validation split that
tuning scores on is carved out of the training part the same way (`make_splits`), so
the test split is only touched once, with the chosen settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from ratings.stars import RELEVANT_STARS
from recommendations.types import RatingTriples


class Split(StrEnum):
    USER = "user"  # per-user holdout: HOLDOUT_FRACTION of each eligible user's ratings
    RANDOM = "random"  # global: RANDOM_TEST_FRACTION of all ratings


class Relevance(StrEnum):
    LIKED = "liked"  # held-out score >= RELEVANT_SCORE
    ANY = "any"  # every held-out rating


RELEVANT_SCORE = float(RELEVANT_STARS)
HOLDOUT_FRACTION = 0.2
RANDOM_TEST_FRACTION = 0.25
MIN_USER_RATINGS = 5


def holdout_split(
    triples: RatingTriples, *, fraction: float, seed: int, max_users: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Masks (train, held out): ceil(fraction) of each eligible user's ratings, at random.
    With `max_users`, only that many eligible users (drawn with the seed) lose ratings."""
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(triples.rows)), triples.rows))
    counts = np.bincount(triples.rows, minlength=len(triples.user_ids))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order)) - starts[triples.rows[order]]
    eligible = counts >= MIN_USER_RATINGS
    if max_users is not None and eligible.sum() > max_users:
        # Its own stream, so that a catalogue under the cap splits exactly as without it.
        chosen = np.random.default_rng([seed, 1]).choice(
            np.flatnonzero(eligible), size=max_users, replace=False
        )
        eligible = np.zeros_like(eligible)
        eligible[chosen] = True
    quota = np.where(eligible, np.ceil(fraction * counts), 0)
    held_out = position < quota[triples.rows]
    return ~held_out, held_out


def user_sample(triples: RatingTriples, *, max_users: int, seed: int) -> RatingTriples:
    """Every rating of at most `max_users` users drawn with the seed (`RatingTriples.of_rows`:
    the film axis kept); `triples` itself when it has no more users than that."""
    if len(triples.user_ids) <= max_users:
        return triples
    # Its own stream, apart from the holdout's draws of the same seed.
    drawn = np.random.default_rng([seed, 2]).choice(
        len(triples.user_ids), size=max_users, replace=False
    )
    return triples.of_rows(np.sort(drawn))


def random_split(
    triples: RatingTriples, *, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Masks (train, held out): round(fraction · n) of all n ratings, uniformly at random
    (a user may end up with none in training, as in a global split)."""
    rng = np.random.default_rng(seed)
    held_out = np.zeros(len(triples.rows), dtype=bool)
    held_out[rng.permutation(len(triples.rows))[: round(fraction * len(triples.rows))]] = True
    return ~held_out, held_out


def split_masks(
    triples: RatingTriples, *, split: Split, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Masks (train, held out) of the chosen split kind."""
    if split == Split.USER:
        return holdout_split(triples, fraction=HOLDOUT_FRACTION, seed=seed)
    return random_split(triples, fraction=RANDOM_TEST_FRACTION, seed=seed)


@dataclass(frozen=True)
class Splits:
    """test + train = all ratings; fit + validation = train, carved the same way."""

    train: RatingTriples
    test: RatingTriples
    fit: RatingTriples
    validation: RatingTriples


def make_splits(triples: RatingTriples, *, split: Split, seed: int) -> Splits:
    train_mask, test_mask = split_masks(triples, split=split, seed=seed)
    train = triples.subset(train_mask)
    # Another seed: the validation split is a fresh draw from the training part only.
    fit_mask, validation_mask = split_masks(train, split=split, seed=seed + 1)
    return Splits(
        train=train,
        test=triples.subset(test_mask),
        fit=train.subset(fit_mask),
        validation=train.subset(validation_mask),
    )


def relevant_sets(held_out: RatingTriples, *, relevance: Relevance) -> list[set[int]]:
    """Per matrix row, the movie ids of its relevant held-out ratings."""
    mask = held_out.scores >= RELEVANT_SCORE
    if relevance == Relevance.ANY:
        mask = np.ones(len(held_out.scores), dtype=bool)
    relevant: list[set[int]] = [set() for _ in range(len(held_out.user_ids))]
    for row, col in zip(held_out.rows[mask], held_out.cols[mask], strict=True):
        relevant[row].add(int(held_out.movie_ids[col]))
    return relevant


def ratings_by_row(*, rows: np.ndarray, n_rows: int) -> list[np.ndarray]:
    """Indices of each row's ratings (a user's, when `rows` are matrix rows)."""
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(n_rows + 1))
    return [order[bounds[r] : bounds[r + 1]] for r in range(n_rows)]


def describe_protocol(*, split: Split, relevance: Relevance, k: int) -> str:
    held = (
        f"per-user {HOLDOUT_FRACTION:.0%} holdout (users with {MIN_USER_RATINGS}+ ratings)"
        if split == Split.USER
        else f"random {1 - RANDOM_TEST_FRACTION:.0%}/{RANDOM_TEST_FRACTION:.0%} split of all "
        "ratings"
    )
    relevant = (
        f"relevant = held-out score >= {RELEVANT_SCORE}"
        if relevance == Relevance.LIKED
        else "relevant = every held-out rating"
    )
    return f"{held}; {relevant}; k = {k}; tuned on a validation split of the training part"
