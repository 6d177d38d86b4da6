"""Offline evaluation: held-out test split, metrics @k, and tuning on a validation split.

Protocol (docs/evaluation.md). The test split is either a per-user holdout (every user
with at least MIN_USER_RATINGS ratings loses a random HOLDOUT_FRACTION of them) or a
global random RANDOM_TEST_FRACTION of all ratings (Microsoft Recommenders' MovieLens
tables). Relevant = a held-out score >= 4, or every held-out rating. Hyper-parameters
are chosen on a validation split carved out of the *training* part the same way, so the
test split is only touched once, with the chosen settings. Each algorithm ranks all
items the user has not rated in training, through the same scoring code the site serves
(`profile.taste_profile`, `ranking.rank`); only candidate retrieval is exact numpy here
instead of pgvector.
`evaluate_seeds` repeats the whole protocol per seed and reports mean and standard error.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from jobs.progress import NullProgress, Progress
from recommendations import training
from recommendations.blend import source_weights
from recommendations.candidates import als_pool
from recommendations.config import (
    DEFAULT_CONFIG,
    DEFAULT_SIMILAR,
    Algorithm,
    HybridConfig,
    SimilarConfig,
    Source,
)
from recommendations.ease import EaseModel, EaseParams, ease_fit
from recommendations.explicit import Estimates, ExplicitModel, ExplicitParams, explicit_fit
from recommendations.metrics import (
    RANKING_METRICS,
    bayesian_ratings,
    coverage,
    intra_list_diversity,
    item_novelty,
    mean_over_recommended,
    neighbour_hits,
    personalisation,
    quality_prior,
    ranking_metrics,
    rating_errors,
    standard_error,
)
from recommendations.profile import PredictedStars, TasteProfile, taste_profile
from recommendations.ranking import rank
from recommendations.selectors import Candidates, RatingTriples, UserSignals
from recommendations.serving import ServingModel
from recommendations.similar import similarity_scores, top_indices
from recommendations.training import AlsParams


class Split(StrEnum):
    USER = "user"  # per-user holdout: HOLDOUT_FRACTION of each eligible user's ratings
    RANDOM = "random"  # global: RANDOM_TEST_FRACTION of all ratings


class Relevance(StrEnum):
    LIKED = "liked"  # held-out score >= RELEVANT_SCORE
    ANY = "any"  # every held-out rating


RELEVANT_SCORE = 4.0
HOLDOUT_FRACTION = 0.2
RANDOM_TEST_FRACTION = 0.25
MIN_USER_RATINGS = 5

# "More like this" methods: item-item neighbours; popularity (the most rated films other
# than the query) is the baseline a similarity must beat; hybrid is what the site serves
# (`similar.similarity_scores`).
SIMILARITY_METHODS: tuple[str, ...] = (
    Algorithm.POPULARITY,
    Algorithm.CONTENT,
    Algorithm.ALS,
    Algorithm.EASE,
    Algorithm.HYBRID,
)

METRICS = (
    *RANKING_METRICS,
    "coverage",
    "diversity",
    "personalisation",
    "novelty",
    "bayesian_rating",
)
RATING_METRICS = ("rmse", "mae")
# Users by how many ratings they have in training: the blend should serve each group.
ACTIVITY_BUCKETS: dict[str, tuple[int, float]] = {
    "1-4": (1, 4),
    "5-19": (5, 19),
    "20-99": (20, 99),
    "100+": (100, np.inf),
}
SIMILARITY_METRICS = ("hits", "hit_rate")

# Coordinate ascent from a fixed start (so the result depends on the data and seed
# only, not on the shipped defaults): each parameter in turn, keeping the best so far.
ALS_SEARCH_START = AlsParams(factors=64, regularization=0.05, alpha=2.0, neutral=3.0)
HYBRID_SEARCH_START = HybridConfig(
    als_weight=0.4, ease_weight=0.4, content_weight=0.1, mmr_lambda=0.9, stars_weight=0.2
)
# Each grid reaches a step past the values searches chose on ml-latest-small (32 factors
# and neutral 2.5 were the lowest values of the earlier grids on every seed), so a
# catalogue that wants smaller models can have them. Cross-checked on validation halves
# (tune on one half of the validation users, score on the other; docs/evaluation.md):
# the hybrid's nDCG@10 moved by -0.0001 and +0.0008 on seeds 0 and 1.
ALS_GRID: dict[str, Sequence] = {
    "factors": (16, 32, 64, 128),
    "regularization": (0.05, 0.5, 5.0),
    "alpha": (1.0, 2.0, 5.0),
    "neutral": (2.0, 2.5, 3.0, 3.5),
    "iterations": (10, 15, 30),
}
HYBRID_GRID: dict[str, Sequence] = {
    "ease_weight": (0.0, 0.2, 0.4, 0.6, 0.8),
    "als_weight": (0.0, 0.2, 0.4, 0.6, 0.8),
    # How many ratings it takes to trust the collaborative sources fully.
    "full_trust_ratings": (5, 10, 20, 50),
    "content_weight": (0.0, 0.1, 0.2),
    # Diversity is a product requirement, not an accuracy one: lambda = 1 (no MMR) would
    # usually win on nDCG, so the search keeps a light re-rank.
    "mmr_lambda": (0.85, 0.9, 0.95),
    "stars_weight": (0.0, 0.1, 0.2, 0.3, 0.4),
}
# EASE's λ, around the shipped 200; each value is a full fit (two N x N inverses).
EASE_L2_GRID: Sequence[float] = (100.0, 200.0, 400.0)
# The weight of EASE's fit on every rating (`EaseParams.rated_weight`): each value reuses
# the λ's fit, only the blend of its two score vectors changes. The λs are compared at
# the starting weight, then the weights at the best λ (coordinate ascent, as above: the
# full 3 x 4 grid cost a served search on ml-latest-small 7 s more, for the same choice
# there).
EASE_RATED_WEIGHT_GRID: Sequence[float] = (0.0, 0.5, 1.0, 2.0)
EASE_RATED_WEIGHT_START = 0.5
# "More like this": every combination (each is cheap: no refit). The two similarity
# weights sum to 1, so the content share and the quality weight are the free choices.
SIMILAR_CONTENT_SHARES: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0)
# The quality prior breaks ties between similar films; it must not replace similarity.
# Held-out hits reward well-liked popular films whatever the query, and at 0.4 the search
# turned every list into the site's best-rated films (Toy Story -> The Shawshank
# Redemption first, Finding Nemo -> The Lord of the Rings), so the grid stops at 0.2.
SIMILAR_QUALITY_WEIGHTS: Sequence[float] = (0.0, 0.05, 0.1, 0.2)


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
    config: HybridConfig = DEFAULT_CONFIG
    similar_config: SimilarConfig = DEFAULT_SIMILAR
    ease: EaseModel | None = None  # None: the hybrid blends without it, EASE alone falls back
    stars: ExplicitModel | None = None  # the rating model; None: the hybrid blends without it
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
        explicit_params: ExplicitParams | None = None,
    ) -> OfflineRecommender:
        """ALS always; EASE only with `ease_params` (an N x N fit), the rating model only
        with `explicit_params`."""
        model = cls.als_model(train, params, progress)
        ease = None if ease_params is None else ease_fit(ratings=train, params=ease_params)
        stars = (
            None if explicit_params is None else explicit_fit(triples=train, params=explicit_params)
        )
        return cls(train=train, embeddings=embeddings, model=model, ease=ease, stars=stars)

    @staticmethod
    def als_model(train: RatingTriples, params: AlsParams, progress: Progress) -> ServingModel:
        item_factors = training.als_fit(training.confidence_matrix(train, params), params, progress)
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
        pool = [self._top(np.where(seen, -np.inf, self.popularity), max(config.pool_size, k))]
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
            pool.append(self._top(content, config.pool_size))
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
        top = self._top(scores, k)
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
        config: SimilarConfig,
    ) -> list[int]:
        """The k best films by `similarity_scores` with `config`, the query film excluded."""
        col, content, collaborative = cosines
        if content is None and collaborative is None:
            return []
        scores = similarity_scores(
            content=content, collaborative=collaborative, quality=self.quality, config=config
        )
        scores[col] = -np.inf
        return [int(self.train.movie_ids[i]) for i in top_indices(scores, k)]

    @staticmethod
    def _top(scores: np.ndarray, n: int) -> np.ndarray:
        n = min(n, int(np.isfinite(scores).sum()))
        return np.argpartition(-scores, n - 1)[:n] if n else np.array([], dtype=np.int64)


def score_lists(
    recommender: OfflineRecommender,
    held_out: RatingTriples,
    algorithm: str,
    k: int,
    *,
    relevance: Relevance = Relevance.LIKED,
) -> dict[str, float]:
    """All list metrics for one algorithm over the users with a relevant held-out rating."""
    relevant = relevant_sets(held_out, relevance=relevance)
    users = [u for u, items in enumerate(relevant) if items]
    lists = [recommender.recommend(u, algorithm, k) for u in users]
    train = recommender.train
    activity = np.array([len(recommender.by_user[u]) for u in users])
    by_activity = {}
    for name, (low, high) in ACTIVITY_BUCKETS.items():
        members = np.flatnonzero((activity >= low) & (activity <= high))
        # None, not 0, for a bucket without users (MovieLens users have 20+ ratings).
        by_activity[name] = (
            ranking_metrics([lists[i] for i in members], [relevant[users[i]] for i in members], k)[
                "ndcg"
            ]
            if len(members)
            else None
        )
    vectors = {
        int(train.movie_ids[i]): recommender.embeddings[i]
        for i in np.flatnonzero(recommender.has_embedding)
    }
    novelty = item_novelty(recommender.popularity, users=len(np.unique(train.rows)))
    return {
        **ranking_metrics(lists, [relevant[u] for u in users], k),
        "coverage": coverage(lists, len(train.movie_ids)),
        "diversity": intra_list_diversity(lists, vectors),
        "personalisation": personalisation(lists, k=k),
        "novelty": mean_over_recommended(lists, movie_ids=train.movie_ids, values=novelty),
        "bayesian_rating": mean_over_recommended(
            lists, movie_ids=train.movie_ids, values=recommender.bayesian
        ),
        "users": len(users),
        "ndcg_by_activity": by_activity,
    }


def score_similar(
    recommender: OfflineRecommender,
    held_out: RatingTriples,
    *,
    methods: Sequence[str],
    k: int,
    relevance: Relevance,
    seed: int,
) -> dict[str, dict[str, float]]:
    """ "More like this": for each user with a relevant held-out film and a film liked
    (>= RELEVANT_SCORE) in training, one of those liked films at random (seeded) is the
    query; its k neighbours by each method are scored against the user's relevant
    held-out films (`neighbour_hits`)."""
    queries, targets = similar_queries(recommender, held_out, relevance=relevance, seed=seed)
    return {
        str(method): {
            **neighbour_hits(
                [recommender.similar(movie_id=q, method=method, k=k) for q in queries], targets, k=k
            ),
            "queries": len(queries),
        }
        for method in methods
    }


def similar_queries(
    recommender: OfflineRecommender, held_out: RatingTriples, *, relevance: Relevance, seed: int
) -> tuple[list[int], list[set[int]]]:
    """`score_similar`'s queries (one liked training film per user, drawn with `seed`) and
    each one's targets (that user's relevant held-out films)."""
    rng = np.random.default_rng(seed)
    train = recommender.train
    relevant = relevant_sets(held_out, relevance=relevance)
    queries, targets = [], []
    for user, items in enumerate(relevant):
        ratings = recommender.by_user[user]
        liked = train.cols[ratings[train.scores[ratings] >= RELEVANT_SCORE]]
        if items and len(liked):
            queries.append(int(train.movie_ids[rng.choice(liked)]))
            targets.append(items)
    return queries, targets


def score_ratings(
    *, train: RatingTriples, test: RatingTriples, model: ExplicitModel
) -> dict[str, dict[str, float]]:
    """RMSE and MAE on every held-out rating of each predictor of the rating model (the
    bias baseline, SVD++, the item kNN) and of their blend, which is what is served; each
    user folded in from their training ratings as at serving time. One fit: the
    predictors are the parts of the one model, `model`, fitted on `train`."""
    by_user_train = ratings_by_row(rows=train.rows, n_rows=len(train.user_ids))
    by_user_test = ratings_by_row(rows=test.rows, n_rows=len(test.user_ids))
    names = [f.name for f in dataclasses.fields(Estimates)]
    predicted = {name: np.empty(len(test.scores)) for name in names}
    for known, held in zip(by_user_train, by_user_test, strict=True):
        if len(held):
            estimates = model.estimates(
                user_movie_ids=train.movie_ids[train.cols[known]],
                user_scores=train.scores[known],
                movie_ids=test.movie_ids[test.cols[held]],
            )
            for name in names:
                predicted[name][held] = getattr(estimates, name)
    return {
        name: rating_errors(predicted=values, actual=test.scores)
        for name, values in predicted.items()
    }


def protocol(*, split: Split, relevance: Relevance, k: int) -> str:
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


@dataclass
class EvaluationReport:
    k: int
    seed: int
    split: Split
    relevance: Relevance
    params: AlsParams
    config: HybridConfig
    ease_params: EaseParams
    similar_config: SimilarConfig
    results: dict[str, dict[str, float]]  # algorithm -> METRICS
    similar: dict[str, dict[str, float]]  # method -> SIMILARITY_METRICS
    ratings: dict[str, dict[str, float]]  # rating model -> RATING_METRICS
    tuning: list[dict] = field(default_factory=list)

    @property
    def activity(self) -> dict[str, dict[str, float | None]]:
        """algorithm -> activity bucket -> nDCG."""
        return {name: values["ndcg_by_activity"] for name, values in self.results.items()}

    def as_json(self) -> dict:
        return {
            "k": self.k,
            "seed": self.seed,
            "split": str(self.split),
            "relevance": str(self.relevance),
            "protocol": protocol(split=self.split, relevance=self.relevance, k=self.k),
            "params": self.params.as_json(),
            "hybrid": dataclasses.asdict(self.config),
            "ease": self.ease_params.as_json(),
            "similar_weights": dataclasses.asdict(self.similar_config),
            "results": self.results,
            "similar": self.similar,
            "ratings": self.ratings,
            "tuning": self.tuning,
        }


@dataclass
class SeedsReport:
    """The same protocol on several seeds: every figure as mean and standard error."""

    reports: list[EvaluationReport]

    def sections(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Report attribute -> (table title, its metrics)."""
        return {
            "results": ("Top-k lists", METRICS),
            "activity": (
                "nDCG@k by the user's number of training ratings (— : no such users)",
                tuple(ACTIVITY_BUCKETS),
            ),
            "similar": ('"More like this" (one liked training film per user)', SIMILARITY_METRICS),
            "ratings": ("Predicted stars on every held-out rating", RATING_METRICS),
        }

    def summary(self, section: str) -> dict[str, dict[str, tuple[float, float | None]]]:
        """row -> metric -> (mean, standard error or None with a single seed)."""
        first = getattr(self.reports[0], section)
        metrics = self.sections()[section][1]
        return {
            row: {
                metric: _mean_and_error([getattr(r, section)[row][metric] for r in self.reports])
                for metric in metrics
                if metric in values
            }
            for row, values in first.items()
        }

    def table(self) -> str:
        first = self.reports[0]
        seeds = ", ".join(str(r.seed) for r in self.reports)
        lines = [
            f"Protocol: {protocol(split=first.split, relevance=first.relevance, k=first.k)}.",
            f"Seeds {seeds}: mean ± standard error." if len(self.reports) > 1 else f"Seed {seeds}.",
        ]
        for section, (title, metrics) in self.sections().items():
            names = [
                m if m in RATING_METRICS or m in ACTIVITY_BUCKETS else f"{m}@{first.k}"
                for m in metrics
            ]
            lines += ["", f"{title}:", "", f"| | {' | '.join(names)} |"]
            lines.append("|" + "---|" * (len(metrics) + 1))
            for row, values in self.summary(section).items():
                cells = (_cell(*values[m]) for m in metrics)
                lines.append(f"| {row} | " + " | ".join(cells) + " |")
        if len(self.reports) > 1:
            lines += ["", *self.per_seed_table()]
        return "\n".join(lines)

    def per_seed_table(self) -> list[str]:
        """Each seed's nDCG@k per list, and whether the hybrid beat every other list on
        that seed: a mean can hide a seed where it did not."""
        k = self.reports[0].k
        names = list(self.reports[0].results)
        lines = [
            f"nDCG@{k} per seed:",
            "",
            f"| seed | {' | '.join(names)} | hybrid beats every other list |",
            "|" + "---|" * (len(names) + 2),
        ]
        for report in self.reports:
            ndcg = {name: report.results[name]["ndcg"] for name in names}
            others = [value for name, value in ndcg.items() if name != Algorithm.HYBRID]
            beats = (
                "—"
                if Algorithm.HYBRID not in ndcg or not others
                else ("yes" if ndcg[Algorithm.HYBRID] > max(others) else "**no**")
            )
            cells = " | ".join(f"{value:.4f}" for value in ndcg.values())
            lines.append(f"| {report.seed} | {cells} | {beats} |")
        return lines

    def as_json(self) -> dict:
        """The first seed's settings; `results` etc. hold the means (what the admin shows),
        `standard_errors` their errors, `per_seed` every seed's full report."""
        first = self.reports[0].as_json()
        summaries = {section: self.summary(section) for section in self.sections()}
        return {
            **{key: first[key] for key in ("k", "split", "relevance", "protocol")},
            "seeds": [r.seed for r in self.reports],
            **{
                section: {row: {m: v[0] for m, v in values.items()} for row, values in rows.items()}
                for section, rows in summaries.items()
            },
            "standard_errors": {
                section: {row: {m: v[1] for m, v in values.items()} for row, values in rows.items()}
                for section, rows in summaries.items()
            },
            "per_seed": [r.as_json() for r in self.reports],
        }


def _mean_and_error(values: list[float | None]) -> tuple[float | None, float | None]:
    """Over the seeds that have a value (a bucket may have no users in some)."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return float(np.mean(values)), standard_error(values) if len(values) > 1 else None


def _cell(mean: float | None, error: float | None) -> str:
    if mean is None:
        return "—"
    return f"{mean:.4f}" if error is None else f"{mean:.4f} ± {error:.4f}"


@dataclass(frozen=True)
class Tuned:
    params: AlsParams = AlsParams()
    config: HybridConfig = DEFAULT_CONFIG
    ease_params: EaseParams = EaseParams()
    similar_config: SimilarConfig = DEFAULT_SIMILAR
    log: list[dict] = field(default_factory=list)
    validation_ndcg: float | None = None  # the chosen hybrid's
    out_of_time: bool = False


def evaluate(
    *,
    triples: RatingTriples,
    embeddings: np.ndarray,
    algorithms: Sequence[str],
    k: int = 10,
    seed: int = 0,
    split: Split = Split.USER,
    relevance: Relevance = Relevance.LIKED,
    tune: bool = True,
    ease_params: EaseParams | None = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """One seed of the protocol: split, tune on validation, refit on train, score on test.

    `ease_params` is the starting point (its `max_items` is kept: it is a memory bound,
    not a knob of quality)."""
    progress = progress or NullProgress()
    ease_params = ease_params or EaseParams()
    explicit_params = ExplicitParams()
    splits = make_splits(triples, split=split, seed=seed)
    tuned = Tuned(ease_params=ease_params)
    if tune:
        tuned = tune_on_validation(
            splits.fit,
            splits.validation,
            embeddings,
            k,
            progress,
            relevance=relevance,
            ease_params=ease_params,
            explicit_params=explicit_params,
            seed=seed,
        )
    recommender = OfflineRecommender.fit(
        splits.train,
        embeddings,
        tuned.params,
        progress,
        ease_params=tuned.ease_params,
        explicit_params=explicit_params,
    )
    recommender.config = tuned.config
    recommender.similar_config = tuned.similar_config
    results = {}
    for algorithm in algorithms:
        progress.stage(f"Evaluating {algorithm}")
        results[str(algorithm)] = score_lists(
            recommender, splits.test, algorithm, k, relevance=relevance
        )
    progress.stage("More like this")
    similar = score_similar(
        recommender, splits.test, methods=SIMILARITY_METHODS, k=k, relevance=relevance, seed=seed
    )
    progress.stage("Predicted stars")
    ratings = score_ratings(train=splits.train, test=splits.test, model=recommender.stars)
    return EvaluationReport(
        k=k,
        seed=seed,
        split=split,
        relevance=relevance,
        params=tuned.params,
        config=tuned.config,
        ease_params=tuned.ease_params,
        similar_config=tuned.similar_config,
        results=results,
        similar=similar,
        ratings=ratings,
        tuning=tuned.log,
    )


def evaluate_seeds(*, seeds: Sequence[int] = (0, 1, 2, 3, 4), **options: Any) -> SeedsReport:
    """`evaluate` once per seed (a new split, and a new tuning, each time)."""
    return SeedsReport([evaluate(seed=seed, **options) for seed in seeds])


def tune_on_validation(
    fit: RatingTriples,
    validation: RatingTriples,
    embeddings: np.ndarray,
    k: int,
    progress: Progress,
    *,
    relevance: Relevance,
    ease_params: EaseParams,
    explicit_params: ExplicitParams | None = None,
    seed: int = 0,
    seconds: float | None = None,
) -> Tuned:
    """Coordinate ascent on validation nDCG: ALS params for ALS alone, EASE's λ for EASE
    alone, then the blend of both with content, popularity and, given `explicit_params`,
    the stars of a rating model fitted on `fit`; then the "more like this" weights
    (`tune_similar`, after the budget too: it fits nothing). Only `fit` trains and only
    `validation` scores: the caller's test ratings never reach this function.

    With `seconds`, no new candidate starts once they have passed: the search keeps the
    best so far, and its log says how far it got. The order of the search is fixed, so a
    search that finishes within its budget gives the same choice for the same data.
    """
    tuning: list[dict] = []
    deadline = None if seconds is None else time.monotonic() + seconds

    def out_of_time() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def ndcg(recommender: OfflineRecommender, algorithm: str) -> float:
        value = score_lists(recommender, validation, algorithm, k, relevance=relevance)["ndcg"]
        tuning.append({"algorithm": str(algorithm), **_describe(recommender), "ndcg": value})
        return value

    # One recommender for the whole search; each ALS candidate swaps in its model, and the
    # best one is kept rather than fitted again (at 25M ratings a fit takes most of a minute).
    recommender = OfflineRecommender.fit(fit, embeddings, ALS_SEARCH_START, progress)
    best_params, best_model = ALS_SEARCH_START, recommender.model
    best = ndcg(recommender, Algorithm.ALS)
    for name, values in ALS_GRID.items():
        for value in values:
            params = dataclasses.replace(best_params, **{name: value})
            if params == best_params or out_of_time():
                continue
            recommender.model = OfflineRecommender.als_model(fit, params, progress)
            score = ndcg(recommender, Algorithm.ALS)
            if score > best:
                best, best_params, best_model = score, params, recommender.model
    recommender.model = best_model

    def ease_ndcg(model: EaseModel, rated_weight: float) -> tuple[float, EaseModel]:
        params = dataclasses.replace(model.params, rated_weight=rated_weight)
        recommender.ease = dataclasses.replace(model, params=params)
        return ndcg(recommender, Algorithm.EASE), recommender.ease

    best, best_model = -np.inf, None
    for l2 in EASE_L2_GRID:
        if best_model is not None and out_of_time():
            break
        # Fitted with both parts, so that any weight can be scored without a refit.
        fitted = ease_fit(
            ratings=fit,
            params=dataclasses.replace(
                ease_params, l2=l2, rated_weight=max(EASE_RATED_WEIGHT_GRID)
            ),
        )
        score, model = ease_ndcg(fitted, EASE_RATED_WEIGHT_START)
        if score > best:
            best, best_model = score, model
    for rated_weight in EASE_RATED_WEIGHT_GRID:
        if rated_weight == best_model.params.rated_weight or out_of_time():
            continue
        score, model = ease_ndcg(best_model, rated_weight)
        if score > best:
            best, best_model = score, model
    recommender.ease = best_model
    best_ease = best_model.params
    # The rating model is fitted once, with the parameters training will use: only the
    # weight of its stars in the blend is searched. Without it (none asked for, or no time
    # left for its fit) the blend is chosen, and served, without stars.
    start = HYBRID_SEARCH_START
    if explicit_params is not None and not out_of_time():
        recommender.stars = explicit_fit(triples=fit, params=explicit_params)
    else:
        start = dataclasses.replace(start, stars_weight=0.0)

    grid = HYBRID_GRID if recommender.stars is not None else _without(HYBRID_GRID, "stars_weight")

    recommender.config = best_config = start
    recommender.profiles = {}  # the models are fixed from here on: only the blend changes
    best = ndcg(recommender, Algorithm.HYBRID)
    for name, values in grid.items():
        for value in values:
            config = dataclasses.replace(best_config, **{name: value})
            if config == best_config or out_of_time():
                continue
            recommender.config = config
            score = ndcg(recommender, Algorithm.HYBRID)
            if score > best:
                best, best_config = score, config
    recommender.profiles = None
    similar_config, similar_log = tune_similar(
        recommender, validation, k=k, relevance=relevance, seed=seed
    )
    return Tuned(
        params=best_params,
        config=best_config,
        ease_params=best_ease,
        similar_config=similar_config,
        log=tuning + similar_log,
        validation_ndcg=best,
        out_of_time=out_of_time(),
    )


def _without(grid: dict[str, Sequence], name: str) -> dict[str, Sequence]:
    return {key: values for key, values in grid.items() if key != name}


def tune_similar(
    recommender: OfflineRecommender,
    validation: RatingTriples,
    *,
    k: int,
    relevance: Relevance,
    seed: int,
) -> tuple[SimilarConfig, list[dict]]:
    """The "more like this" weights with the most validation hits@k (`score_similar`'s
    hybrid), over every combination of SIMILAR_CONTENT_SHARES and SIMILAR_QUALITY_WEIGHTS;
    ties go to the first. `recommender` is fitted on the fit part of the training split
    and `validation` is the rest of it: the test split is never seen."""
    queries, targets = similar_queries(recommender, validation, relevance=relevance, seed=seed)
    columns = np.searchsorted(recommender.train.movie_ids, queries)
    cosines = [recommender.cosines(int(col)) for col in columns]
    log, best, best_config = [], -np.inf, DEFAULT_SIMILAR
    for share in SIMILAR_CONTENT_SHARES:
        for quality in SIMILAR_QUALITY_WEIGHTS:
            config = SimilarConfig(
                content_weight=share, collaborative_weight=1.0 - share, quality_weight=quality
            )
            lists = [recommender.similar_ranked(c, k=k, config=config) for c in cosines]
            hits = neighbour_hits(lists, targets, k=k)["hits"]
            log.append({"similar": config.as_json(), "hits": hits})
            if hits > best:
                best, best_config = hits, config
    return best_config, log


def _describe(recommender: OfflineRecommender) -> dict:
    config = recommender.config
    return {
        **recommender.model.params.as_json(),
        "als_weight": config.als_weight,
        "ease_weight": config.ease_weight,
        "content_weight": config.content_weight,
        "mmr_lambda": config.mmr_lambda,
        "stars_weight": config.stars_weight,
        "full_trust_ratings": config.full_trust_ratings,
        "ease_l2": None if recommender.ease is None else recommender.ease.params.l2,
        "ease_rated_weight": (
            None if recommender.ease is None else recommender.ease.params.rated_weight
        ),
    }
