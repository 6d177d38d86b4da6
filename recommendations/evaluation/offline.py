"""The offline recommender: what the site serves, built from a training split instead of
the database, so that what is measured is what is served (`ranking.rank`, the served
profile and similarity scores); only candidate retrieval is exact numpy instead of
pgvector.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from core.vectors import top_k, top_k_sorted
from jobs.progress import Progress
from recommendations.algorithms import als
from recommendations.algorithms.als import AlsParams
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.ease import EaseModel, EaseParams, ease_fit
from recommendations.algorithms.popularity import bayesian_ratings, quality_prior
from recommendations.algorithms.rating import RatingModel, RatingParams, rating_fit
from recommendations.blend import source_weights
from recommendations.candidates import als_pool
from recommendations.config import (
    DEFAULT_HYBRID,
    DEFAULT_SIMILAR,
    Algorithm,
    HybridParams,
    SimilarParams,
    Source,
)
from recommendations.evaluation.splits import ratings_by_row
from recommendations.profile import PredictedStars, TasteProfile, taste_profile
from recommendations.ranking import rank
from recommendations.scoring import similarity_scores
from recommendations.selectors import Candidates, RatingTriples, UserSignals
from recommendations.serving import ServingModel


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
    model: ServingModel
    config: HybridParams = DEFAULT_HYBRID
    similar_config: SimilarParams = DEFAULT_SIMILAR
    ease: EaseModel | None = None  # None: the hybrid blends without it, EASE alone falls back
    stars: RatingModel | None = None  # the rating model; None: the hybrid blends without it
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
        self.has_embedding = self.embeddings.any(axis=1)
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
        stars = None if rating_params is None else rating_fit(triples=train, params=rating_params)
        return cls(train=train, embeddings=embeddings, model=model, ease=ease, stars=stars)

    @staticmethod
    def als_model(train: RatingTriples, params: AlsParams, progress: Progress) -> ServingModel:
        item_factors = als.als_fit(als.confidence_matrix(train, params), params, progress)
        return ServingModel.build(
            run_id=0, params=params, movie_ids=train.movie_ids, item_factors=item_factors
        )

    def recommend(self, user: int, algorithm: str, k: int) -> list[int]:
        """Top-k movie ids for matrix row `user`, mirroring `hybrid.recommend_for_user`."""
        algorithm = Algorithm(algorithm)
        config = self.config
        cols = self.train.cols[self.by_user[user]]
        profile = self._profile(user)
        seen = np.zeros(len(self.train.movie_ids), dtype=bool)
        seen[cols] = True
        sources = source_weights(algorithm, profile, config)
        pool = [top_k(np.where(seen, -np.inf, self.popularity), max(config.pool_size, k))]
        if Source.ALS in sources:
            pool.append(
                np.searchsorted(
                    self.model.movie_ids, als_pool(self.model, profile, config.pool_size)
                )
            )
        if Source.EASE in sources:
            ease = profile.ease.top(config.pool_size, exclude=self.train.movie_ids[cols])
            pool.append(np.searchsorted(self.train.movie_ids, ease))
        if Source.CONTENT in sources:
            content = np.where(seen | ~self.has_embedding, -np.inf, self.embeddings @ profile.taste)
            pool.append(top_k(content, config.pool_size))
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
        profile = taste_profile(signals, self.model, self.ease, self.stars)
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
        if method == Algorithm.POPULARITY:
            scores = self.popularity.astype(np.float64)
        else:
            unit = self.embeddings if method == Algorithm.CONTENT else self.model.unit_factors
            if not unit[col].any():
                return []
            scores = unit @ unit[col]
            if method == Algorithm.CONTENT:
                scores = np.where(self.has_embedding, scores, -np.inf)
        scores[col] = -np.inf
        top = top_k(scores, k)
        return [int(self.train.movie_ids[i]) for i in top[np.argsort(-scores[top], kind="stable")]]

    def _similar_hybrid(self, col: int, k: int) -> list[int]:
        return self.similar_ranked(self.cosines(col), k=k, config=self.similar_config)

    def cosines(self, col: int) -> tuple[int, np.ndarray | None, np.ndarray | None]:
        """Film `col`'s content and ALS cosines to every film (None without the vector):
        what the hybrid similarity weighs, computed once however many weights are tried."""
        unit = self.model.unit_factors
        content = self.embeddings @ self.embeddings[col] if self.has_embedding[col] else None
        collaborative = unit @ unit[col] if unit[col].any() else None
        return col, content, collaborative

    def similar_ranked(
        self,
        cosines: tuple[int, np.ndarray | None, np.ndarray | None],
        *,
        k: int,
        config: SimilarParams,
    ) -> list[int]:
        """The k best films by `similarity_scores` with `config`, the query film excluded."""
        col, content, collaborative = cosines
        if content is None and collaborative is None:
            return []
        scores = similarity_scores(
            content=content, collaborative=collaborative, quality=self.quality, config=config
        )
        scores[col] = -np.inf
        return [int(self.train.movie_ids[i]) for i in top_k_sorted(scores, k)]
