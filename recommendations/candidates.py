"""Candidates: the movies worth scoring for one user, drawn from each personal source.

ALS, EASE and content each contribute their best unseen movies (ALS and EASE before
the filters, which `CatalogArrays.candidates` applies to the union); popularity is
drawn once per request by the caller (from the in-process catalogue), so a group
shares it. Scoring then ranks only the union, not the whole catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from catalog.filters import MovieFilters
from catalog.selectors import movie_nearest_ids
from recommendations.algorithms.als import AlsModel
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


def personal_pools(
    profile: TasteProfile,
    model: AlsModel | None,
    content: ContentModel,
    sources: Iterable[Source],
    filters: MovieFilters,
    allowed: np.ndarray,
    config: HybridParams,
) -> list[np.ndarray]:
    """Candidate ids for one profile from its personal sources (popularity is added once),
    the films `allowed` (rows of `content`) only; the site's and the offline evaluation's."""
    pool = []
    n = config.pool_size if filters.is_empty else config.filtered_pool_size
    if Source.ALS in sources:
        pool.append(als_pool(model, profile, n))
    if Source.EASE in sources:
        pool.append(profile.ease.top(n, exclude=profile.seen_ids))
    if Source.CONTENT in sources:
        pool.append(content_pool(profile, content, filters, allowed, config.pool_size))
    return pool
