"""The offline evaluation's protocol (docs/evaluation.md): split, choose the parameters
on a validation split of the training part, refit on the training part, score on the
test split; `evaluate_seeds` repeats it per seed and reports mean and standard error.

Relevant = a held-out score >= RELEVANT_SCORE, or every held-out rating. Each algorithm
ranks all items the user has not rated in training through the offline recommender,
which serves as the site does (`offline.OfflineRecommender`). The parameters are chosen
by whoever the caller passes as `choose` (the tuning search, `tuning.search`): this
package measures, it does not tune.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from jobs.progress import NullProgress, Progress
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.ease import EaseParams
from recommendations.algorithms.rating import Estimates, RatingModel, RatingParams
from recommendations.choice import Choice
from recommendations.config import Algorithm
from recommendations.evaluation.metrics import (
    calibration_metrics,
    coverage,
    intra_list_diversity,
    item_novelty,
    mean_over_recommended,
    neighbour_hits,
    personalisation,
    ranking_metrics,
    rating_errors,
)
from recommendations.evaluation.offline import OfflineRecommender
from recommendations.evaluation.report import ACTIVITY_BUCKETS, EvaluationReport, SeedsReport
from recommendations.evaluation.splits import (
    RELEVANT_SCORE,
    Relevance,
    Split,
    make_splits,
    ratings_by_row,
    relevant_sets,
)
from recommendations.types import RatingTriples


class Chosen(Protocol):
    choice: Choice
    log: list[dict]


# The parameter search `evaluate` runs on each seed's validation split, `tuning.search`,
# called as (fit, validation, embeddings, k, progress, relevance=, start=, rating_params=,
# seed=, genres=): only `fit` trains, only `validation` scores.
Chooser = Callable[..., Chosen]


# The report's row for the served hybrid without its calibration (`evaluate`).
UNCALIBRATED_HYBRID = "hybrid, uncalibrated"

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
    calibration = {}
    if recommender.genres is not None:
        liked = []
        for u in users:
            ratings = recommender.by_user[u]
            likes = ratings[train.scores[ratings] >= recommender.config.like_threshold]
            liked.append(train.movie_ids[train.cols[likes]])
        calibration = calibration_metrics(lists, liked, recommender.genres)
    return {
        **ranking_metrics(lists, [relevant[u] for u in users], k),
        "coverage": coverage(lists, len(train.movie_ids)),
        "diversity": intra_list_diversity(lists, vectors),
        "personalisation": personalisation(lists, k=k),
        "novelty": mean_over_recommended(lists, movie_ids=train.movie_ids, values=novelty),
        "bayesian_rating": mean_over_recommended(
            lists, movie_ids=train.movie_ids, values=recommender.bayesian
        ),
        **calibration,
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
    *, train: RatingTriples, test: RatingTriples, model: RatingModel
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


def _score_algorithms(
    recommender: OfflineRecommender,
    test: RatingTriples,
    algorithms: Sequence[str],
    k: int,
    *,
    relevance: Relevance,
    progress: Progress,
) -> dict[str, dict[str, Any]]:
    """Each algorithm's lists scored on `test`; with genres to calibrate by, the hybrid
    also without its calibration, to show what calibration costs and gains."""
    results = {}
    for algorithm in algorithms:
        progress.stage(f"Evaluating {algorithm}")
        results[str(algorithm)] = score_lists(recommender, test, algorithm, k, relevance=relevance)
    if recommender.genres is not None and Algorithm.HYBRID in algorithms:
        progress.stage(f"Evaluating {UNCALIBRATED_HYBRID}")
        calibrated = recommender.config
        recommender.config = dataclasses.replace(calibrated, calibration_weight=0.0)
        results[UNCALIBRATED_HYBRID] = score_lists(
            recommender, test, Algorithm.HYBRID, k, relevance=relevance
        )
        recommender.config = calibrated
    return results


def evaluate(
    *,
    triples: RatingTriples,
    embeddings: np.ndarray,
    algorithms: Sequence[str],
    k: int = 10,
    seed: int = 0,
    split: Split = Split.USER,
    relevance: Relevance = Relevance.LIKED,
    choose: Chooser | None = None,
    ease_params: EaseParams | None = None,
    genres: GenreShares | None = None,
    progress: Progress | None = None,
) -> EvaluationReport:
    """One seed of the protocol: split, choose on validation (`choose`; without, the
    shipped defaults), refit on train, score on test.

    `ease_params` is the starting point (its `max_items` is kept: it is a memory bound,
    not a knob of quality). With `genres`, the hybrid is calibrated as served and every
    list's miscalibration and genre coverage are measured."""
    progress = progress or NullProgress()
    ease_params = ease_params or EaseParams()
    rating_params = RatingParams()
    splits = make_splits(triples, split=split, seed=seed)
    choice, log = Choice(ease=ease_params), []
    if choose is not None:
        chosen = choose(
            splits.fit,
            splits.validation,
            embeddings,
            k,
            progress,
            relevance=relevance,
            start=choice,
            rating_params=rating_params,
            seed=seed,
            genres=genres,
        )
        choice, log = chosen.choice, chosen.log
    recommender = OfflineRecommender.fit(
        splits.train,
        embeddings,
        choice.als,
        progress,
        ease_params=choice.ease,
        rating_params=rating_params,
    )
    recommender.config = choice.hybrid
    recommender.similar_config = choice.similar
    recommender.genres = genres
    results = _score_algorithms(
        recommender, splits.test, algorithms, k, relevance=relevance, progress=progress
    )
    progress.stage("More like this")
    similar = score_similar(
        recommender, splits.test, methods=SIMILARITY_METHODS, k=k, relevance=relevance, seed=seed
    )
    progress.stage("Predicted stars")
    ratings = score_ratings(train=splits.train, test=splits.test, model=recommender.rating_model)
    return EvaluationReport(
        k=k,
        seed=seed,
        split=split,
        relevance=relevance,
        params=choice.als,
        config=choice.hybrid,
        ease_params=choice.ease,
        similar_config=choice.similar,
        results=results,
        similar=similar,
        ratings=ratings,
        tuning=log,
    )


def evaluate_seeds(*, seeds: Sequence[int] = (0, 1, 2, 3, 4), **options: Any) -> SeedsReport:
    """`evaluate` once per seed (a new split, and a new tuning, each time)."""
    return SeedsReport([evaluate(seed=seed, **options) for seed in seeds])
