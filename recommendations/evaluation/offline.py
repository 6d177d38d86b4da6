"""The offline recommender: what the site serves, built from a training split instead of
the database, so that what is measured is what is served: the served profile, candidate
pools (`candidates.personal_pools`, and popularity's order), ranking (`ranking.rank`) and
similarity scores. The split's catalogue is small enough for content's exact scan, which
the site also runs below `candidates.EXACT_SCAN_MAX_MOVIES` films.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from catalog.filters import MovieFilters
from core.vectors import top_k_sorted
from jobs.progress import Progress
from recommendations.algorithms import als
from recommendations.algorithms.als import AlsModel, AlsParams
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.content import ContentModel
from recommendations.algorithms.ease import EaseModel, EaseParams, ease_fit
from recommendations.algorithms.popularity import (
    bayesian_ratings,
    familiarity,
    popular_rows,
    popularity_order,
    quality_prior,
)
from recommendations.algorithms.rating import RatingModel, RatingParams, rating_fit
from recommendations.blend import source_weights
from recommendations.candidates import personal_pools
from recommendations.config import (
    DEFAULT_HYBRID,
    DEFAULT_SIMILAR,
    Algorithm,
    HybridParams,
    SimilarParams,
)
from recommendations.evaluation.splits import ratings_by_row
from recommendations.evidence import Evidence, evidence_build
from recommendations.profile import PredictedStars, TasteProfile, taste_profile
from recommendations.ranking import rank
from recommendations.scoring import Likeness, similarity_scores
from recommendations.types import Candidates, RatingTriples, UserSignals


@dataclass(frozen=True)
class _RememberedStars(PredictedStars):
    """A kept profile's predicted stars, each film's computed once: a film's stars do
    not depend on the other films asked about, and the blend search asks for mostly the
    same candidates with every blend."""

    known: dict[int, float] = field(default_factory=dict)

    def at(self, movie_ids: np.ndarray) -> np.ndarray:
        missing = [m for m in movie_ids.tolist() if m not in self.known]
        if missing:
            predicted = super().at(np.array(missing, dtype=movie_ids.dtype))
            self.known.update(zip(missing, predicted.tolist(), strict=True))
        return np.array([self.known[m] for m in movie_ids.tolist()])


@dataclass
class OfflineRecommender:
    """Everything `ranking.rank` needs, built from a training split instead of the database."""

    train: RatingTriples
    embeddings: np.ndarray  # unit rows aligned with train.movie_ids; zeros = no embedding
    model: AlsModel
    config: HybridParams = DEFAULT_HYBRID
    similar_config: SimilarParams = DEFAULT_SIMILAR
    ease: EaseModel | None = None  # None: the hybrid blends without it, EASE alone falls back
    rating_model: RatingModel | None = None  # None: the hybrid blends without predicted stars
    genres: GenreShares | None = None  # None: the hybrid is not calibrated, nor measured so
    # None, or a dict that keeps each user's profile between lists. The blend search
    # scores many blends with the same models, and a profile's fold-ins (ALS, EASE) are
    # half of a list's cost; whoever sets it resets it before changing a model.
    profiles: dict[tuple, TasteProfile] | None = field(default=None, repr=False)
    by_user: list[np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n_items = len(self.train.movie_ids)
        self.popularity = np.bincount(self.train.cols, minlength=n_items)
        sums = np.bincount(self.train.cols, weights=self.train.scores, minlength=n_items)
        self.bayesian = bayesian_ratings(sums=sums, counts=self.popularity)
        self.quality = quality_prior(sums=sums, counts=self.popularity)
        self.by_popularity = popularity_order(
            movie_ids=self.train.movie_ids, counts=self.popularity
        )
        self.has_embedding = self.embeddings.any(axis=1)
        self.content = ContentModel(
            movie_ids=self.train.movie_ids, vectors=self.embeddings, embedded=self.has_embedding
        )
        self.by_user = ratings_by_row(rows=self.train.rows, n_rows=len(self.train.user_ids))

    @classmethod
    def fit(
        cls,
        train: RatingTriples,
        embeddings: np.ndarray,
        params: AlsParams,
        progress: Progress,
        *,
        ease_params: EaseParams | None = None,
        rating_params: RatingParams | None = None,
    ) -> OfflineRecommender:
        """ALS always; EASE only with `ease_params` (an N x N fit), the rating model only
        with `rating_params`."""
        model = cls.als_model(train, params, progress)
        ease = None if ease_params is None else ease_fit(ratings=train, params=ease_params)
        rating = None if rating_params is None else rating_fit(triples=train, params=rating_params)
        return cls(train=train, embeddings=embeddings, model=model, ease=ease, rating_model=rating)

    @staticmethod
    def als_model(train: RatingTriples, params: AlsParams, progress: Progress) -> AlsModel:
        return als.als_fit(ratings=train, params=params, progress=progress)

    def recommend(self, user: int, algorithm: str, k: int) -> list[int]:
        """Top-k movie ids for matrix row `user`, as `hybrid.recommend_for_user` ranks them."""
        algorithm = Algorithm(algorithm)
        config = self.config
        profile = self._profile(user)
        allowed = np.ones(len(self.train.movie_ids), dtype=bool)
        allowed[self.train.cols[self.by_user[user]]] = False
        sources = source_weights(algorithm, profile, config)
        # The served pools: popularity's (drawn once per request there), then the personal
        # sources' (`candidates.personal_pools`), as rows of the split's films.
        pool = [popular_rows(self.by_popularity, allowed, max(config.pool_size, k))]
        pool += [
            np.searchsorted(self.train.movie_ids, ids)
            for ids in personal_pools(
                profile,
                self.model,
                self.content,
                sources,
                MovieFilters(),
                allowed,
                config,
                self.genres,
            )
        ]
        columns = np.unique(np.concatenate(pool))
        candidates = Candidates(
            movie_ids=self.train.movie_ids[columns],
            rating_counts=self.popularity[columns].astype(np.float32),
            vectors=self.embeddings[columns],
        )
        ranked = rank(
            algorithm=algorithm,
            profile=profile,
            model=self.model,
            candidates=candidates,
            k=k,
            config=config,
            genres=self.genres,
        )
        return [int(candidates.movie_ids[item.index]) for item in ranked]

    def _profile(self, user: int) -> TasteProfile:
        config = self.config
        key = (user, config.like_threshold, config.liked_cap)  # what a profile reads of it
        if self.profiles is not None and key in self.profiles:
            return self.profiles[key]
        ratings = self.by_user[user]
        cols, scores = self.train.cols[ratings], self.train.scores[ratings]
        liked = np.argsort(-scores, kind="stable")[: config.liked_cap]
        liked = liked[scores[liked] >= config.like_threshold]
        signals = UserSignals(
            rated_ids=self.train.movie_ids[cols],
            rated_scores=scores,
            hidden_ids=np.array([], dtype=np.int64),
            liked_ids=self.train.movie_ids[cols[liked]],
            liked_titles=[""] * len(liked),
            liked_vectors=[
                self.embeddings[c] if self.has_embedding[c] else None for c in cols[liked]
            ],
        )
        profile = taste_profile(signals, self.model, self.ease, self.rating_model)
        if self.profiles is not None:
            if (stars := profile.stars) is not None:
                remembered = _RememberedStars(stars.model, stars.rated_ids, stars.rated_scores)
                profile = dataclasses.replace(profile, stars=remembered)
            self.profiles[key] = profile
        return profile

    def similar(self, *, movie_id: int, method: str, k: int) -> list[int]:
        """`movie_id`'s k nearest films by `method`, best first, as "more like this" would
        list them (the query excluded, seen films not): content and ALS by cosine of the
        embeddings / item factors, EASE by `EaseModel.similar`, hybrid by the served
        `similarity_scores` with `similar_config`; [] when the method has no vector for the
        film, like `hybrid.also_liked`."""
        if method == Algorithm.EASE:
            return self.ease.similar(movie_id=movie_id, k=k)[0].tolist()
        col = int(np.searchsorted(self.train.movie_ids, movie_id))
        if method == Algorithm.HYBRID:
            return self._similar_hybrid(col, k)
        if method == Algorithm.CONTENT:
            return self.content.similar(movie_id=movie_id, k=k)[0].tolist()
        if method == Algorithm.ALS:
            return self.model.similar(movie_id=movie_id, k=k)[0].tolist()
        scores = self.popularity.astype(np.float64)
        scores[col] = -np.inf
        return [int(self.train.movie_ids[i]) for i in top_k_sorted(scores, k)]

    def _similar_hybrid(self, col: int, k: int) -> list[int]:
        return self.similar_ranked(col, self.likeness(col), k=k, config=self.similar_config)

    @cached_property
    def evidence(self) -> Evidence:
        """The training films' similarity evidence, read from the catalogue once."""
        return evidence_build(self.train.movie_ids)

    @cached_property
    def familiarity(self) -> np.ndarray:
        return familiarity(self.popularity)

    def likeness(self, col: int) -> Likeness | None:
        """Film `col` against every film (None when it has neither an embedding nor ALS
        factors): what the hybrid similarity weighs, computed once however many weights
        are tried."""
        movie_id = int(self.train.movie_ids[col])
        content, collaborative = self.content.cosines(movie_id), self.model.cosines(movie_id)
        if content is None and collaborative is None:
            return None
        return Likeness(content, collaborative, *self.evidence.against(col))

    def similar_ranked(
        self, col: int, likeness: Likeness | None, *, k: int, config: SimilarParams
    ) -> list[int]:
        """The k best films for film `col` by `similarity_scores` with `config`, itself
        excluded."""
        if likeness is None:
            return []
        scores = similarity_scores(
            likeness, quality=self.quality, familiarity=self.familiarity, config=config
        )
        scores[col] = -np.inf
        return [int(self.train.movie_ids[i]) for i in top_k_sorted(scores, k)]
