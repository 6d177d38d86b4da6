"""Candidates: the movies worth scoring for one user, drawn from each personal source.

ALS, EASE and content each contribute their best unseen movies (ALS and EASE before
the filters, which `CatalogArrays.candidates` applies to the union); popularity is
drawn once per request by the caller (from the in-process catalogue), so a group
shares it. A calibrated list also gets ALS's and EASE's best films of each genre of
the user's likes (`side_pools`), so every side of a taste has films to be picked from.
Scoring then ranks only the union, not the whole catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from catalog.filters import MovieFilters
from catalog.selectors import movie_nearest_ids
from core.vectors import sorted_positions, top_k
from recommendations.algorithms.als import AlsModel
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.content import ContentModel
from recommendations.config import HybridParams, Source
from recommendations.profile import TasteProfile


def als_pool(model: AlsModel, profile: TasteProfile, n: int) -> np.ndarray:
    """The n best unseen movies for the user's folded-in factor."""
    return model.top(profile.als_vector, n, exclude=profile.seen_ids)


# Up to this many movies the content pool is an exact scan of the in-process catalogue
# copy, past it a pgvector HNSW query. Measured on one core: the scan takes 0.4 ms at
# 9.7k movies and 3.6 ms at 62k, growing with the catalogue; the index's round trip took
# 5.5-8.5 ms at 9.7k (k = 100-200, bench recommend's users), growing with its logarithm.
# The copy holds every vector anyway (~96 MB at 62k movies, docs/scaling.md).
EXACT_SCAN_MAX_MOVIES = 100_000


def content_pool(
    profile: TasteProfile,
    content: ContentModel,
    filters: MovieFilters,
    allowed: np.ndarray,
    n: int,
) -> np.ndarray:
    """The n allowed movies nearest the user's taste.

    An exact scan of the in-process vectors, unless the catalogue is larger than
    EXACT_SCAN_MAX_MOVIES and unfiltered: then pgvector's HNSW index finds them. That
    query leaves out the user's seen movies and over-fetches instead: an exclusion list
    of a heavy rater's thousands of ids made the index scan 2-3x slower. (With filters,
    Postgres picks an exact scan of the filtered rows over the index anyway.)
    """
    if not filters.is_empty or len(content.movie_ids) <= EXACT_SCAN_MAX_MOVIES:
        return content.nearest(profile.taste, n, allowed)
    fetch = n + min(len(profile.seen_ids), n)
    nearest = np.array(movie_nearest_ids(vector=profile.taste, k=fetch), dtype=np.int64)
    found, known = content.rows(nearest)
    keep = known.copy()
    keep[known] = allowed[found[known]]
    return nearest[keep][:n]


def side_pools(
    scored: Iterable[tuple[np.ndarray, np.ndarray]],
    genres: GenreShares,
    taste: np.ndarray,
    seen_ids: np.ndarray,
    n: int,
) -> list[np.ndarray]:
    """For each source's `scored` (its films' ids, sorted, and the user's score of each),
    the best unseen films of each genre of the `taste` p(g|u), ⌈p(g|u) · n⌉ of them: a
    side of the taste that the source's overall top leaves out still has candidates."""
    sides = np.flatnonzero(taste > 0)
    counts = np.ceil(taste[sides] * n).astype(np.int64)
    pools = []
    for movie_ids, scores in scored:
        scores = scores.astype(np.float64)
        found, known = sorted_positions(movie_ids, seen_ids)
        scores[found[known]] = -np.inf
        member = genres.of(movie_ids)[:, sides] > 0
        for side, count in enumerate(counts):
            pools.append(movie_ids[top_k(np.where(member[:, side], scores, -np.inf), count)])
    return pools


def personal_pools(
    profile: TasteProfile,
    model: AlsModel | None,
    content: ContentModel,
    sources: Iterable[Source],
    filters: MovieFilters,
    allowed: np.ndarray,
    config: HybridParams,
    genres: GenreShares | None = None,
) -> list[np.ndarray]:
    """Candidate ids for one profile from its personal sources (popularity is added once),
    the films `allowed` (rows of `content`) only; the site's and the offline evaluation's.
    With `genres` and a calibrated blend, each side of the taste's too (`side_pools`)."""
    pool = []
    n = config.pool_size if filters.is_empty else config.filtered_pool_size
    if Source.ALS in sources:
        pool.append(als_pool(model, profile, n))
    if Source.EASE in sources:
        pool.append(profile.ease.top(n, exclude=profile.seen_ids))
    if Source.CONTENT in sources:
        pool.append(content_pool(profile, content, filters, allowed, config.pool_size))
    taste = (
        profile.genre_taste(genres, config.like_threshold)
        if genres is not None and config.calibration_weight > 0
        else None
    )
    if taste is not None:
        scored = []
        if Source.ALS in sources:
            scored.append((model.movie_ids, model.scores(profile.als_vector)))
        if Source.EASE in sources:
            scored.append((profile.ease.movie_ids, profile.ease.scores))
        pool += side_pools(scored, genres, taste, profile.seen_ids, config.side_pool_size)
    return pool
