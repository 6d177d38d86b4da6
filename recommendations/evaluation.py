"""Offline evaluation: per-user holdout, ranking metrics, and tuning on a validation split.

Protocol (docs/evaluation.md): for every user with at least MIN_USER_RATINGS ratings,
a random 20% of their ratings is the test set; relevant = held-out score >= 4.
Hyper-parameters are chosen on a second 20% carved out of the *training* part, so
the test split is only touched once, with the chosen settings. Each algorithm ranks
all items the user has not rated in training, through the same scoring code the
site serves (`profile.taste_profile`, `ranking.rank`); only candidate retrieval is
exact numpy here instead of pgvector.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from jobs.progress import NullProgress, Progress
from recommendations import training
from recommendations.blend import source_weights
from recommendations.candidates import als_pool
from recommendations.config import DEFAULT_CONFIG, Algorithm, HybridConfig, Source
from recommendations.profile import taste_profile
from recommendations.ranking import rank
from recommendations.selectors import Candidates, RatingTriples, UserSignals
from recommendations.serving import ServingModel
from recommendations.training import AlsParams

RELEVANT_SCORE = 4.0
HOLDOUT_FRACTION = 0.2
MIN_USER_RATINGS = 5
METRICS = ("precision", "recall", "ndcg", "map", "hit_rate", "coverage", "diversity")

# Coordinate ascent from a fixed start (so the result depends on the data and seed
# only, not on the shipped defaults): each parameter in turn, keeping the best so far.
ALS_SEARCH_START = AlsParams(factors=64, regularization=0.05, alpha=2.0, neutral=3.0)
HYBRID_SEARCH_START = HybridConfig(als_weight=0.8, content_weight=0.1, mmr_lambda=0.85)
ALS_GRID: dict[str, Sequence] = {
    "factors": (32, 64, 128),
    "regularization": (0.05, 0.5, 5.0),
    "alpha": (1.0, 2.0, 5.0),
    "neutral": (2.5, 3.0, 3.5),
}
HYBRID_GRID: dict[str, Sequence] = {
    "als_weight": (0.6, 0.7, 0.8, 0.9),
    "content_weight": (0.0, 0.1, 0.2),
    # Diversity is a product requirement, not an accuracy one: lambda = 1 (no MMR) would
    # usually win on nDCG, so the search keeps a light re-rank.
    "mmr_lambda": (0.85, 0.9, 0.95),
}


def ranking_metrics(
    recommended: Sequence[Sequence[int]], relevant: Sequence[set[int]], k: int
) -> dict[str, float]:
    """Mean precision, recall, nDCG, MAP and hit rate @k over users with relevant items.

    Binary gains; nDCG's ideal and AP's denominator use min(|relevant|, k), so a
    perfect list scores 1 even when a user has more than k relevant items.
    """
    totals = dict.fromkeys(("precision", "recall", "ndcg", "map", "hit_rate"), 0.0)
    users = 0
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for items, rel in zip(recommended, relevant, strict=True):
        if not rel:
            continue
        users += 1
        hits = np.array([item in rel for item in list(items)[:k]], dtype=float)
        ideal = min(len(rel), k)
        totals["precision"] += hits.sum() / k
        totals["recall"] += hits.sum() / len(rel)
        totals["ndcg"] += (hits * discounts[: len(hits)]).sum() / discounts[:ideal].sum()
        precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        totals["map"] += (precision_at * hits).sum() / ideal
        totals["hit_rate"] += float(hits.any())
    return {name: value / users if users else 0.0 for name, value in totals.items()}


def coverage(recommended: Sequence[Sequence[int]], catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one list."""
    return len({item for items in recommended for item in items}) / catalogue_size


def intra_list_diversity(
    recommended: Sequence[Sequence[int]], vectors: dict[int, np.ndarray]
) -> float:
    """Mean over lists of 1 - mean pairwise cosine of the embedded items (lists of 2+)."""
    scores = []
    for items in recommended:
        embedded = np.array([vectors[i] for i in items if i in vectors])
        if len(embedded) < 2:
            continue
        similarity = embedded @ embedded.T
        n = len(embedded)
        scores.append(1.0 - (similarity.sum() - np.trace(similarity)) / (n * (n - 1)))
    return float(np.mean(scores)) if scores else 0.0


def holdout_split(
    triples: RatingTriples, *, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Masks (train, held out): ceil(fraction) of each eligible user's ratings, at random."""
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(triples.rows)), triples.rows))
    counts = np.bincount(triples.rows, minlength=len(triples.user_ids))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order)) - starts[triples.rows[order]]
    quota = np.where(counts >= MIN_USER_RATINGS, np.ceil(fraction * counts), 0)
    held_out = position < quota[triples.rows]
    return ~held_out, held_out


@dataclass
class OfflineRecommender:
    """Everything `ranking.rank` needs, built from a training split instead of the database."""

    train: RatingTriples
    embeddings: np.ndarray  # unit rows aligned with train.movie_ids; zeros = no embedding
    model: ServingModel
    config: HybridConfig = DEFAULT_CONFIG
    _by_user: list[np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.popularity = np.bincount(self.train.cols, minlength=len(self.train.movie_ids))
        self.has_embedding = self.embeddings.any(axis=1)
        order = np.argsort(self.train.rows, kind="stable")
        bounds = np.searchsorted(self.train.rows[order], np.arange(len(self.train.user_ids) + 1))
        self._by_user = [order[bounds[u] : bounds[u + 1]] for u in range(len(self.train.user_ids))]

    @classmethod
    def fit(
        cls, train: RatingTriples, embeddings: np.ndarray, params: AlsParams, progress: Progress
    ) -> OfflineRecommender:
        item_factors = training.als_fit(training.confidence_matrix(train, params), params, progress)
        model = ServingModel.build(
            run_id=0, params=params, movie_ids=train.movie_ids, item_factors=item_factors
        )
        return cls(train=train, embeddings=embeddings, model=model)

    def recommend(self, user: int, algorithm: Algorithm, k: int) -> list[int]:
        """Top-k movie ids for matrix row `user`, mirroring `hybrid.recommend_for_user`."""
        config = self.config
        ratings = self._by_user[user]
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
        profile = taste_profile(signals, self.model)
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

    @staticmethod
    def _top(scores: np.ndarray, n: int) -> np.ndarray:
        n = min(n, int(np.isfinite(scores).sum()))
        return np.argpartition(-scores, n - 1)[:n] if n else np.array([], dtype=np.int64)


def score_lists(
    recommender: OfflineRecommender,
    held_out: RatingTriples,
    algorithm: Algorithm,
    k: int,
) -> dict[str, float]:
    """All metrics for one algorithm over the users with a relevant held-out rating."""
    liked = held_out.scores >= RELEVANT_SCORE
    users = np.unique(held_out.rows[liked])
    relevant = [set() for _ in range(len(held_out.user_ids))]
    for row, col in zip(held_out.rows[liked], held_out.cols[liked], strict=True):
        relevant[row].add(int(held_out.movie_ids[col]))
    lists = [recommender.recommend(int(u), algorithm, k) for u in users]
    movie_ids = recommender.train.movie_ids
    vectors = {
        int(movie_ids[i]): recommender.embeddings[i]
        for i in np.flatnonzero(recommender.has_embedding)
    }
    return {
        **ranking_metrics(lists, [relevant[u] for u in users], k),
        "coverage": coverage(lists, len(movie_ids)),
        "diversity": intra_list_diversity(lists, vectors),
        "users": len(users),
    }


@dataclass
class EvaluationReport:
    k: int
    seed: int
    params: AlsParams
    config: HybridConfig
    results: dict[str, dict[str, float]]
    tuning: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "k": self.k,
            "seed": self.seed,
            "protocol": f"per-user {HOLDOUT_FRACTION:.0%} holdout, relevant = score >= "
            f"{RELEVANT_SCORE}; tuned on a validation split of the training part",
            "params": self.params.as_json(),
            "hybrid": dataclasses.asdict(self.config),
            "results": self.results,
            "tuning": self.tuning,
        }

    def table(self) -> str:
        names = [f"{m}@{self.k}" if m in METRICS[:5] else m for m in METRICS]
        header = f"| algorithm | {' | '.join(names)} |"
        lines = [header, "|" + "---|" * (len(METRICS) + 1)]
        for name, row in self.results.items():
            lines.append(f"| {name} | " + " | ".join(f"{row[m]:.4f}" for m in METRICS) + " |")
        return "\n".join(lines)


def evaluate(
    *,
    triples: RatingTriples,
    embeddings: np.ndarray,
    algorithms: Sequence[Algorithm],
    k: int = 10,
    seed: int = 0,
    tune: bool = True,
    progress: Progress | None = None,
) -> EvaluationReport:
    progress = progress or NullProgress()
    train_mask, test_mask = holdout_split(triples, fraction=HOLDOUT_FRACTION, seed=seed)
    train = triples.subset(train_mask)
    params, config, tuning = AlsParams(), DEFAULT_CONFIG, []
    if tune:
        fit_mask, val_mask = holdout_split(train, fraction=HOLDOUT_FRACTION, seed=seed + 1)
        params, config, tuning = _tune(
            train.subset(fit_mask), train.subset(val_mask), embeddings, k, progress
        )
    recommender = OfflineRecommender.fit(train, embeddings, params, progress)
    recommender.config = config
    test = triples.subset(test_mask)
    results = {}
    for algorithm in algorithms:
        progress.stage(f"Evaluating {algorithm}")
        results[str(algorithm)] = score_lists(recommender, test, algorithm, k)
    return EvaluationReport(
        k=k, seed=seed, params=params, config=config, results=results, tuning=tuning
    )


def _tune(
    fit: RatingTriples,
    validation: RatingTriples,
    embeddings: np.ndarray,
    k: int,
    progress: Progress,
) -> tuple[AlsParams, HybridConfig, list[dict]]:
    """Coordinate ascent on validation nDCG: ALS params for ALS alone, then the blend."""
    tuning: list[dict] = []

    def ndcg(recommender: OfflineRecommender, algorithm: Algorithm) -> float:
        value = score_lists(recommender, validation, algorithm, k)["ndcg"]
        tuning.append({"algorithm": str(algorithm), **_describe(recommender), "ndcg": value})
        return value

    best_params = ALS_SEARCH_START
    best = ndcg(OfflineRecommender.fit(fit, embeddings, best_params, progress), Algorithm.ALS)
    for name, values in ALS_GRID.items():
        for value in values:
            params = dataclasses.replace(best_params, **{name: value})
            if params == best_params:
                continue
            score = ndcg(OfflineRecommender.fit(fit, embeddings, params, progress), Algorithm.ALS)
            if score > best:
                best, best_params = score, params

    recommender = OfflineRecommender.fit(fit, embeddings, best_params, progress)
    recommender.config = best_config = HYBRID_SEARCH_START
    best = ndcg(recommender, Algorithm.HYBRID)
    for name, values in HYBRID_GRID.items():
        for value in values:
            config = dataclasses.replace(best_config, **{name: value})
            if config == best_config:
                continue
            recommender.config = config
            score = ndcg(recommender, Algorithm.HYBRID)
            if score > best:
                best, best_config = score, config
    return best_params, best_config, tuning


def _describe(recommender: OfflineRecommender) -> dict:
    config = recommender.config
    return {
        **recommender.model.params.as_json(),
        "als_weight": config.als_weight,
        "content_weight": config.content_weight,
        "mmr_lambda": config.mmr_lambda,
    }
