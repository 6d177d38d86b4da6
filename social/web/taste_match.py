"""Taste match: how compatible two people's tastes are, 0-100 %, with a line on why.

Two signals, blended by how many films both rated:
- agreement on the films both rated (1 minus the mean gap between their scores, over the
  widest possible gap), which grows more trustworthy with each shared film;
- the cosine between their taste vectors, each person's ratings folded into the serving
  ALS model (recommendations.serving), which also sees films only one of them rated.
Below MIN_SHARED films in common there is no match (None): too little to say.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from catalog.models import Credit, Movie
from ratings.models import MAX_SCORE, MIN_SCORE
from recommendations.selectors import user_ratings_many
from recommendations.serving import serving_model
from recommendations.types import UserRatings

MIN_SHARED = 5
# Shared films at which agreement and the taste vectors weigh the same.
SHARED_HALF_WEIGHT = 10
LOVE = 4.0  # both rate a director's films at least this on average: "you both love"
DIFFER = 1.5  # their averages are at least this far apart: "you differ on"
_WIDEST_GAP = float(MAX_SCORE - MIN_SCORE)


@dataclass(frozen=True)
class TasteMatch:
    percent: int
    shared: int
    why: str


def taste_match(*, user_a, user_b) -> TasteMatch | None:
    ratings = user_ratings_many(user_ids=[user_a.pk, user_b.pk])
    a, b = ratings[user_a.pk], ratings[user_b.pk]
    shared, in_a, in_b = np.intersect1d(a.movie_ids, b.movie_ids, return_indices=True)
    if len(shared) < MIN_SHARED:
        return None
    scores_a, scores_b = a.scores[in_a], b.scores[in_b]
    agreement = 1.0 - float(np.abs(scores_a - scores_b).mean()) / _WIDEST_GAP
    vectors = _vector_similarity(a, b)
    if vectors is None:
        blended = agreement
    else:
        weight = len(shared) / (len(shared) + SHARED_HALF_WEIGHT)
        blended = weight * agreement + (1 - weight) * vectors
    percent = int(round(100 * min(1.0, max(0.0, blended))))
    return TasteMatch(percent, len(shared), _why(shared, scores_a, scores_b))


def _vector_similarity(a: UserRatings, b: UserRatings) -> float | None:
    """Their taste vectors' cosine, from -1..1 to 0..1; None without a trained model."""
    model = serving_model()
    if model is None:
        return None
    vector_a, vector_b = (
        model.user_vector(a.movie_ids, a.scores),
        model.user_vector(b.movie_ids, b.scores),
    )
    if vector_a is None or vector_b is None:
        return None
    norms = float(np.linalg.norm(vector_a) * np.linalg.norm(vector_b))
    if norms == 0:
        return None
    return (float(vector_a @ vector_b) / norms + 1) / 2


def _why(shared: np.ndarray, scores_a: np.ndarray, scores_b: np.ndarray) -> str:
    """ "you both love Miyazaki; you differ on Nolan": by director where the shared films
    have directors, else by film."""
    by_movie = {
        int(m): (float(x), float(y)) for m, x, y in zip(shared, scores_a, scores_b, strict=True)
    }
    directors = Credit.objects.filter(
        movie_id__in=list(by_movie), role=Credit.Role.DIRECTOR
    ).values_list("person__name", "movie_id")
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for name, movie_id in directors:
        groups[name].append(by_movie[movie_id])
    if not groups:
        titles = dict(Movie.objects.filter(pk__in=list(by_movie)).values_list("pk", "title"))
        groups = {titles[movie_id]: [pair] for movie_id, pair in by_movie.items()}
    means = {name: np.mean(pairs, axis=0) for name, pairs in groups.items()}
    count = {name: len(pairs) for name, pairs in groups.items()}
    loved = sorted(
        (name for name, (x, y) in means.items() if min(x, y) >= LOVE),
        key=lambda name: (-count[name], -sum(means[name]), name),
    )
    differ = sorted(
        (name for name, (x, y) in means.items() if abs(x - y) >= DIFFER),
        key=lambda name: (-abs(means[name][0] - means[name][1]), -count[name], name),
    )
    parts = []
    if loved:
        parts.append(f"you both love {_join(loved[:2])}")
    if differ:
        parts.append(f"you differ on {_join(differ[:2])}")
    return "; ".join(parts) or f"you rated {len(shared)} of the same films"


def _join(names: list[str]) -> str:
    return " and ".join(names)
