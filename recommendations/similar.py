"""Hybrid "more like this": content, collaborative, similarity evidence (`evidence`) and
quality signals blended, for the movie page, the API's similar endpoint and the home
page's "Because you liked X" rows.

`similarity_scores` is what the site serves and what the offline evaluation measures
(`OfflineRecommender.similar`), with the same `SimilarParams`; only where the vectors
come from differs (the in-process catalogue and serving model here, a training split
there). Every allowed film is scored, so a list holds exactly k films whenever k
films pass the filters.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from catalog.filters import MovieFilters
from catalog.models import Movie
from catalog.selectors import movies_visible_with_genre_names
from core.vectors import top_k_sorted
from recommendations.catalog_arrays import CatalogArrays, catalog_arrays_for
from recommendations.config import DEFAULT_SIMILAR, SimilarParams
from recommendations.evidence import Evidence, evidence_for
from recommendations.hybrid import SPARE_PICKS
from recommendations.personal import liked_anchors, seen_movie_ids
from recommendations.scoring import Likeness, similarity_scores
from recommendations.selectors import recommender_versions
from recommendations.serving import ServingModel, model_for


def neighbour_scores(
    movie_id: int,
    *,
    model: ServingModel | None,
    catalogue: CatalogArrays,
    evidence: Evidence,
    config: SimilarParams,
) -> np.ndarray | None:
    """The hybrid score of every catalogue row for `movie_id`; None when the film has
    neither an embedding nor ALS factors (a film outside the model gets content only)."""
    n = len(catalogue.movie_ids)
    rows, known = catalogue.rows(np.array([movie_id], dtype=np.int64))
    content = None
    if known[0] and catalogue.embedded[rows[0]]:
        content = catalogue.vectors @ catalogue.vectors[rows[0]]
    collaborative = None
    cosines = None if model is None else model.cosines(movie_id)
    if cosines is not None:
        collaborative = _on_catalogue(catalogue, model.movie_ids, cosines)
    if content is None and collaborative is None:
        return None
    judged = np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    row, found = evidence.rows(np.array([movie_id], dtype=np.int64))
    if found[0]:
        judged = tuple(
            _on_catalogue(catalogue, evidence.movie_ids, values)
            for values in evidence.against(int(row[0]))
        )
    likeness = Likeness(content, collaborative, *judged)
    return similarity_scores(
        likeness,
        quality=catalogue.quality,
        familiarity=catalogue.familiarity,
        config=config,
    )


def _on_catalogue(
    catalogue: CatalogArrays, movie_ids: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """`values` (one per film of `movie_ids`) on the catalogue's rows, 0 for the others."""
    at, in_catalogue = catalogue.rows(movie_ids)
    placed = np.zeros(len(catalogue.movie_ids), dtype=np.float32)
    placed[at[in_catalogue]] = values[in_catalogue]
    return placed


@dataclass(frozen=True)
class _Served:
    """What the site's neighbours are computed from: the serving model, the catalogue
    copy, its evidence and the weights."""

    model: ServingModel | None
    catalogue: CatalogArrays
    evidence: Evidence
    config: SimilarParams

    @classmethod
    def now(cls, config: SimilarParams | None) -> _Served:
        """The serving versions (one query), with `config` or the serving run's weights."""
        versions = recommender_versions(user_id=None)
        model = model_for(versions.run_id)
        return cls(
            model=model,
            catalogue=catalog_arrays_for(versions.catalogue),
            evidence=evidence_for(versions.catalogue),
            config=config or served_similar_config(model),
        )

    def picks(self, movie_id: int, allowed: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(movie id, score) of the n best allowed neighbours, best first."""
        scores = neighbour_scores(
            movie_id,
            model=self.model,
            catalogue=self.catalogue,
            evidence=self.evidence,
            config=self.config,
        )
        if scores is None:
            return []
        scores = np.where(allowed, scores, -np.inf)
        ids = self.catalogue.movie_ids
        return [(int(ids[i]), float(scores[i])) for i in top_k_sorted(scores, n)]


def _shown(picks: list[tuple[int, float]], movies: dict[int, Movie], k: int) -> list[Movie]:
    """The first k picks the database confirmed visible, each a copy with its `similarity`."""
    shown = []
    for movie_id, score in picks:
        if movie_id in movies and len(shown) < k:
            movie = copy.copy(movies[movie_id])
            movie.similarity = score
            shown.append(movie)
    return shown


def served_similar_config(model: ServingModel | None) -> SimilarParams:
    """The weights the serving run chose on validation; the defaults before any run."""
    return DEFAULT_SIMILAR if model is None else model.similar_config


def similar_to(
    movie: Movie,
    *,
    k: int = 10,
    filters: MovieFilters | None = None,
    exclude: np.ndarray | None = None,
    config: SimilarParams | None = None,
) -> list[Movie]:
    """ "More like this": the k best visible films within `filters` by the hybrid score
    (with `config`, else the serving run's weights), never `movie` itself nor a film of
    `exclude` (ids), each with `similarity` (its score). Two queries: the versions of the
    serving model and catalogue, and the films shown. The filters are applied by the
    catalogue copy, which every catalogue write rebuilds; visibility is re-checked."""
    served = _Served.now(config)
    excluded = np.array([movie.pk], dtype=np.int64)
    if exclude is not None:
        excluded = np.concatenate([excluded, exclude.astype(np.int64)])
    allowed = served.catalogue.allowed(filters or MovieFilters(), excluded)
    picks = served.picks(movie.pk, allowed, k + SPARE_PICKS)
    movies = movies_visible_with_genre_names(movie_ids=[movie_id for movie_id, _ in picks])
    return _shown(picks, movies, k)


@dataclass(frozen=True)
class BecauseRow:
    anchor: Movie  # the film the user liked
    movies: list[Movie]


def because_you_liked(*, user, k: int, config: SimilarParams | None = None) -> list[BecauseRow]:
    """A "Because you liked X" row per anchor (`personal.liked_anchors`): the anchor's
    hybrid neighbours that the user has neither rated nor dismissed, none with a Bayesian
    mean below the catalogue's median, and none repeated from an earlier row. Rows that
    come out empty are left out."""
    anchors = liked_anchors(user=user)
    if not anchors:
        return []
    served = _Served.now(config)
    catalogue = served.catalogue
    allowed = catalogue.allowed(MovieFilters(), seen_movie_ids(user=user))
    allowed &= catalogue.quality >= catalogue.quality_median
    rows = []
    for anchor in anchors:
        picks = served.picks(anchor.pk, allowed, k + SPARE_PICKS)
        taken, _ = catalogue.rows(np.array([movie_id for movie_id, _ in picks[:k]], dtype=np.int64))
        allowed[taken] = False
        rows.append((anchor, picks))
    movies = movies_visible_with_genre_names(
        movie_ids=[movie_id for _, picks in rows for movie_id, _ in picks]
    )
    shown = (BecauseRow(anchor=anchor, movies=_shown(picks, movies, k)) for anchor, picks in rows)
    return [row for row in shown if row.movies]
