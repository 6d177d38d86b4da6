"""The tuning search: the hyper-parameters a training run (and each seed of the offline
evaluation) trains with, chosen by validation nDCG@k on a split of the training ratings.

Coordinate ascent from a fixed start, over a fixed plan of grids (so the result depends
on the data and seed only, not on the shipped defaults): ALS's parameters for ALS
alone, EASE's λ and the weight of its every-rating fit for EASE alone, then the blend of
both with content, popularity and the rating model's stars; then the "more like this"
weights. Only the fit part trains and only the validation part scores: the evaluation's
test ratings never reach this module. What it chooses is a `choice.Choice`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from jobs.progress import Progress
from recommendations.algorithms.als import AlsParams
from recommendations.algorithms.calibration import GenreShares
from recommendations.algorithms.ease import EaseModel, EaseParams, ease_fit
from recommendations.algorithms.rating import RatingParams, rating_fit
from recommendations.choice import Choice
from recommendations.config import DEFAULT_SIMILAR, Algorithm, HybridParams, SimilarParams
from recommendations.evaluation.metrics import neighbour_hits
from recommendations.evaluation.offline import OfflineRecommender
from recommendations.evaluation.protocol import score_lists, similar_queries
from recommendations.evaluation.splits import (
    HOLDOUT_FRACTION,
    Relevance,
    Split,
    describe_protocol,
    holdout_split,
    user_sample,
)
from recommendations.types import RatingTriples

# Coordinate ascent from a fixed start (so the result depends on the data and seed
# only, not on the shipped defaults): each parameter in turn, keeping the best so far.
ALS_SEARCH_START = AlsParams(factors=64, regularization=0.05, alpha=2.0, neutral=3.0)
HYBRID_SEARCH_START = HybridParams(
    als_weight=0.4,
    ease_weight=0.4,
    content_weight=0.1,
    mmr_lambda=0.9,
    stars_weight=0.2,
    calibration_weight=0.0,
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
# Steck's λ for the hybrid (`HybridParams.calibration_weight`), searched after the blend.
# Calibration is a product requirement (each side of a taste in proportion), which nDCG
# does not reward: the search takes the λ with the lowest validation miscalibration among
# those that cost at most CALIBRATION_NDCG_COST of the uncalibrated blend's nDCG@k.
CALIBRATION_GRID: Sequence[float] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
CALIBRATION_NDCG_COST = 0.003
# EASE's λ, around the shipped 200; each value is a full fit (two N x N inverses).
EASE_L2_GRID: Sequence[float] = (100.0, 200.0, 400.0)
# The weight of EASE's fit on every rating (`EaseParams.rated_weight`): each value reuses
# the λ's fit, only the blend of its two score vectors changes. The λs are compared at
# the starting weight, then the weights at the best λ (coordinate ascent, as above: the
# full 3 x 4 grid cost a served search on ml-latest-small 7 s more, for the same choice
# there).
EASE_RATED_WEIGHT_GRID: Sequence[float] = (0.0, 0.5, 1.0, 2.0)
EASE_RATED_WEIGHT_START = 0.5
# "More like this": every combination (each is cheap: no refit), scored by
# `similar_objective`. The two similarity weights sum to 1, so the content share is the
# free choice between them.
SIMILAR_GRID: dict[str, Sequence[float]] = {
    "content_share": (0.25, 0.5, 0.75),
    "evidence_weight": (0.5, 1.0, 1.5),
    # People expect a film's sequels first, but few validation queries have one: on
    # ml-latest-small the objective told 0 from 0.5 by 0.01 (1.29 vs 1.28), less than
    # its noise, so the grid starts where the sequels are listed.
    "franchise_weight": (0.5, 1.0),
    # The quality prior breaks ties between similar films; it must not replace similarity.
    # Held-out hits reward well-liked popular films whatever the query, and at 0.4 the
    # search turned every list into the site's best-rated films (Toy Story -> The
    # Shawshank Redemption first), so the grid stops at 0.2.
    "quality_weight": (0.1, 0.2),
    "familiarity_weight": (0.15, 0.3),
}
# Query films the "more like this" search scores each combination on (drawn with the
# search's seed from one liked film per validation user): 200 keep the 72 combinations
# within about 20 s on ml-latest-small on a busy machine.
SIMILAR_QUERIES = 200
# A listed film with fewer training ratings than this costs its list a point: the
# evaluation's "obscure" films (`manage.py evaluate_similar`).
SIMILAR_OBSCURE_RATINGS = 5

# The list length a training run's search optimises nDCG at: the site's rows.
TUNING_K = 10
# Users whose validation lists score each candidate of a training run's search. Every
# candidate ranks the whole catalogue for each of them: at MovieLens-25M's 62k films,
# 2,000 users' lists took 12-23 s of CPU per candidate (docs/scaling.md), most of the
# search. 1,000 measure a candidate's nDCG to about ±0.008 (2,000: ±0.005), and every
# candidate is scored on the same users, so the differences the search compares are
# surer than that; ml-latest-small's search has always scored its 610 users.
TUNING_USERS = 1000
# Users whose ratings a training run's search fits and scores on (every rating of each,
# drawn with the search's seed; `search_for_run`). Every candidate is a fit (ALS, EASE, and
# once the rating model for the blend's stars), so on all of MovieLens-25M's 160k users
# the plan of ~40 candidates takes hours; on a sample its fits cost a bounded amount
# whatever the catalogue's size. On 10,000 synthetic raters (1.6M ratings) an ALS fit
# took 9 s of CPU, EASE's 21 s, and scoring one candidate's validation lists of 2,000
# users 12-23 s (docs/scaling.md): scoring, bounded by TUNING_USERS and the catalogue's
# size, is the search's main cost, and 5,000 users (0.8M ratings, 8 times ml-latest-small) halve the
# fits to leave room for it. The noise of each candidate's nDCG is TUNING_USERS' either
# way. ml-latest-small's 610 users are below it: its search, and choice, are unchanged.
TUNING_SAMPLE_USERS = 5000

# What the budget is measured by (tests slow it down to stand for a busy machine).
clock: Callable[[], float] = time.monotonic

P = TypeVar("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Search:
    """A search's outcome: the choice, every candidate's score, the chosen hybrid's
    validation nDCG, and whether the time budget stopped it before the end of its plan."""

    choice: Choice
    log: list[dict] = field(default_factory=list)
    validation_ndcg: float | None = None
    out_of_time: bool = False


def coordinate_ascent(
    start: P,
    best: tuple[float, T],
    grid: dict[str, Sequence],
    score: Callable[[P], tuple[float, T]],
    out_of_time: Callable[[], bool],
) -> tuple[P, float, T]:
    """Each field of `grid` in turn, each of its values tried on the best parameters so far
    (a frozen dataclass, `start` first, scored `best`); a value wins only by a strictly
    higher score, so ties keep the earlier. `score` returns the score and what it built
    (a fitted model, kept for the winner instead of fitted again). No new candidate starts
    once `out_of_time()`."""
    best_params, (best_score, best_built) = start, best
    for name, values in grid.items():
        for value in values:
            params = dataclasses.replace(best_params, **{name: value})
            if params == best_params or out_of_time():
                continue
            value_score, built = score(params)
            if value_score > best_score:
                best_params, best_score, best_built = params, value_score, built
    return best_params, best_score, best_built


def search(
    fit: RatingTriples,
    validation: RatingTriples,
    embeddings: np.ndarray,
    k: int,
    progress: Progress,
    *,
    relevance: Relevance,
    start: Choice,
    rating_params: RatingParams | None = None,
    seed: int = 0,
    seconds: float | None = None,
    genres: GenreShares | None = None,
) -> Search:
    """The whole search, from `start`'s EASE size (a memory bound, not a knob of quality):
    ALS, EASE, the blend (with the stars of a rating model fitted on `fit` with
    `rating_params`, when given), its calibration to the films' `genres` (when given),
    then "more like this" (`tune_similar`, after the budget too: it fits nothing).

    The plan of candidates is fixed, so a search that completes gives the same choice for
    the same data however busy the machine is. With `seconds`, a safety net, no new
    candidate starts once they have passed: the search then keeps the best so far and
    says it ran out of time (a training run discards such a choice).
    """
    tuning: list[dict] = []
    deadline = None if seconds is None else clock() + seconds

    def out_of_time() -> bool:
        return deadline is not None and clock() >= deadline

    def measure(recommender: OfflineRecommender, algorithm: str) -> dict[str, float]:
        scores = score_lists(recommender, validation, algorithm, k, relevance=relevance)
        logged = {key: scores[key] for key in ("ndcg", "miscalibration") if key in scores}
        tuning.append({"algorithm": str(algorithm), **_describe(recommender), **logged})
        return scores

    def ndcg(recommender: OfflineRecommender, algorithm: str) -> float:
        return measure(recommender, algorithm)["ndcg"]

    # One recommender for the whole search; each stage swaps in its models. Calibration
    # waits for its own stage.
    recommender = OfflineRecommender.fit(fit, embeddings, ALS_SEARCH_START, progress)
    als = _als_stage(recommender, fit, ndcg, out_of_time, progress)
    ease = _ease_stage(recommender, fit, start, ndcg, out_of_time)
    blend, best = _blend_stage(recommender, fit, rating_params, ndcg, out_of_time)
    if genres is not None:
        recommender.genres = genres
        blend, best = _calibration_stage(recommender, blend, measure, out_of_time)
    similar, similar_log = tune_similar(
        recommender, validation, k=k, relevance=relevance, seed=seed
    )
    choice = dataclasses.replace(start, als=als, ease=ease, hybrid=blend, similar=similar)
    if rating_params is not None:
        choice = dataclasses.replace(choice, rating=rating_params)
    return Search(
        choice=choice,
        log=tuning + similar_log,
        validation_ndcg=best,
        out_of_time=out_of_time(),
    )


Score = Callable[[OfflineRecommender, str], float]


def _als_stage(
    recommender: OfflineRecommender,
    fit: RatingTriples,
    ndcg: Score,
    out_of_time: Callable[[], bool],
    progress: Progress,
) -> AlsParams:
    """ALS alone over ALS_GRID; the best fit is kept rather than fitted again (at 25M
    ratings a fit takes most of a minute), and left on `recommender`."""

    def score(params: AlsParams) -> tuple[float, object]:
        recommender.model = OfflineRecommender.als_model(fit, params, progress)
        return ndcg(recommender, Algorithm.ALS), recommender.model

    first = (ndcg(recommender, Algorithm.ALS), recommender.model)
    params, _, recommender.model = coordinate_ascent(
        ALS_SEARCH_START, first, ALS_GRID, score, out_of_time
    )
    return params


def _ease_stage(
    recommender: OfflineRecommender,
    fit: RatingTriples,
    start: Choice,
    ndcg: Score,
    out_of_time: Callable[[], bool],
) -> EaseParams:
    """EASE alone: each λ of EASE_L2_GRID at EASE_RATED_WEIGHT_START, then each rated
    weight at the best λ; the best model is left on `recommender`."""

    def with_weight(model: EaseModel, rated_weight: float) -> tuple[float, EaseModel]:
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
            params=dataclasses.replace(start.ease, l2=l2, rated_weight=max(EASE_RATED_WEIGHT_GRID)),
        )
        score, model = with_weight(fitted, EASE_RATED_WEIGHT_START)
        if score > best:
            best, best_model = score, model
    fitted = best_model
    params, _, recommender.ease = coordinate_ascent(
        best_model.params,
        (best, best_model),
        {"rated_weight": EASE_RATED_WEIGHT_GRID},
        lambda params: with_weight(fitted, params.rated_weight),
        out_of_time,
    )
    return params


def _blend_stage(
    recommender: OfflineRecommender,
    fit: RatingTriples,
    rating_params: RatingParams | None,
    ndcg: Score,
    out_of_time: Callable[[], bool],
) -> tuple[HybridParams, float]:
    """The hybrid over HYBRID_GRID, with the models left by the stages before; the chosen
    blend and its validation nDCG.

    The rating model is fitted once, with the parameters training will use: only the
    weight of its stars in the blend is searched. Without it (none asked for, or no time
    left for its fit) the blend is chosen, and served, without stars."""
    start = HYBRID_SEARCH_START
    if rating_params is not None and not out_of_time():
        recommender.rating_model = rating_fit(triples=fit, params=rating_params)
    else:
        start = dataclasses.replace(start, stars_weight=0.0)
    grid = (
        HYBRID_GRID
        if recommender.rating_model is not None
        else _without(HYBRID_GRID, "stars_weight")
    )

    def score(config: HybridParams) -> tuple[float, None]:
        recommender.config = config
        return ndcg(recommender, Algorithm.HYBRID), None

    recommender.config = start
    recommender.profiles = {}  # the models are fixed from here on: only the blend changes
    first = (ndcg(recommender, Algorithm.HYBRID), None)
    config, best, _ = coordinate_ascent(start, first, grid, score, out_of_time)
    recommender.profiles = None
    recommender.config = config
    return config, best


def _calibration_stage(
    recommender: OfflineRecommender,
    blend: HybridParams,
    measure: Callable[[OfflineRecommender, str], dict[str, float]],
    out_of_time: Callable[[], bool],
) -> tuple[HybridParams, float]:
    """Each λ of CALIBRATION_GRID on the chosen blend: the least miscalibrated within
    CALIBRATION_NDCG_COST of the uncalibrated nDCG (ties keep the smaller λ); that
    blend and its validation nDCG."""
    recommender.profiles = {}  # only the re-rank changes from here on
    measured = []
    for weight in CALIBRATION_GRID:
        if measured and out_of_time():
            break
        recommender.config = dataclasses.replace(blend, calibration_weight=weight)
        scores = measure(recommender, Algorithm.HYBRID)
        measured.append((weight, scores["ndcg"], scores["miscalibration"]))
    recommender.profiles = None
    floor = measured[0][1] - CALIBRATION_NDCG_COST
    weight, ndcg, _ = min(
        (entry for entry in measured if entry[1] >= floor), key=lambda entry: entry[2]
    )
    recommender.config = dataclasses.replace(blend, calibration_weight=weight)
    return recommender.config, ndcg


def _without(grid: dict[str, Sequence], name: str) -> dict[str, Sequence]:
    return {key: values for key, values in grid.items() if key != name}


def similar_gains(recommender: OfflineRecommender, col: int) -> np.ndarray:
    """What each film is worth in the "more like this" list of film `col`, judged by the
    evidence people judge similarity by: 1 for carrying its distinctive (rarest) genre,
    1 for being of its franchise, plus the cosine of their keywords, tags and people; 1
    less for a film with fewer than SIMILAR_OBSCURE_RATINGS training ratings."""
    evidence = recommender.evidence
    gains = evidence.shared_terms(col) + evidence.same_franchise(col)
    distinctive = evidence.distinctive_genre(col)
    if distinctive is not None:
        gains += evidence.genres[:, distinctive]
    return gains - (recommender.popularity < SIMILAR_OBSCURE_RATINGS)


def similar_objective(
    recommender: OfflineRecommender,
    gains: Sequence[np.ndarray],
    lists: Sequence[Sequence[int]],
    targets: Sequence[set[int]],
    *,
    also_liked: Sequence[set[int]],
    k: int,
) -> float:
    """The "more like this" search's objective: over the queries, the mean `similar_gains`
    per slot of the k (an empty slot earns nothing), plus the mean number of the user's
    held-out liked films listed, minus the mean share of the list that the film page's
    collaborative row ("People who liked this also liked", `also_liked`) lists too. The
    evidence says what people judge similar; the held-out likes, what a person who liked
    the query went on to like; the overlap, a row that does the other row's job."""
    if not lists:
        return 0.0
    judged = [
        float(gain[np.searchsorted(recommender.train.movie_ids, listed)].sum()) / k
        for gain, listed in zip(gains, lists, strict=True)
    ]
    repeated = [len(set(listed) & also) / k for listed, also in zip(lists, also_liked, strict=True)]
    hits = neighbour_hits(lists, targets, k=k)["hits"]
    return float(np.mean(judged)) + hits - float(np.mean(repeated))


def tune_similar(
    recommender: OfflineRecommender,
    validation: RatingTriples,
    *,
    k: int,
    relevance: Relevance,
    seed: int,
) -> tuple[SimilarParams, list[dict]]:
    """The "more like this" weights with the best `similar_objective` over every
    combination of SIMILAR_GRID, on at most SIMILAR_QUERIES queries; ties go to the first.
    `recommender` is fitted on the fit part of the training split and `validation` is the
    rest of it: the test split is never seen."""
    queries, targets = similar_queries(recommender, validation, relevance=relevance, seed=seed)
    if len(queries) > SIMILAR_QUERIES:
        drawn = np.random.default_rng(seed).choice(len(queries), SIMILAR_QUERIES, replace=False)
        queries, targets = [queries[i] for i in drawn], [targets[i] for i in drawn]
    columns = np.searchsorted(recommender.train.movie_ids, queries).tolist()
    likeness = [recommender.likeness(col) for col in columns]
    gains = [similar_gains(recommender, col) for col in columns]
    also_liked = [set(recommender.similar(movie_id=q, method=Algorithm.ALS, k=k)) for q in queries]
    log, best, best_config = [], -np.inf, DEFAULT_SIMILAR
    for values in itertools.product(*SIMILAR_GRID.values()):
        chosen = dict(zip(SIMILAR_GRID, values, strict=True))
        share = chosen.pop("content_share")
        config = SimilarParams(content_weight=share, collaborative_weight=1.0 - share, **chosen)
        lists = [
            recommender.similar_ranked(col, found, k=k, config=config)
            for col, found in zip(columns, likeness, strict=True)
        ]
        score = similar_objective(recommender, gains, lists, targets, also_liked=also_liked, k=k)
        log.append({"similar": config.as_json(), "objective": score})
        if score > best:
            best, best_config = score, config
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
        "calibration_weight": config.calibration_weight,
        "full_trust_ratings": config.full_trust_ratings,
        "ease_l2": None if recommender.ease is None else recommender.ease.params.l2,
        "ease_rated_weight": (
            None if recommender.ease is None else recommender.ease.params.rated_weight
        ),
    }


def search_for_run(
    triples: RatingTriples,
    embeddings: np.ndarray,
    progress: Progress,
    *,
    start: Choice,
    rating_params: RatingParams | None,
    seed: int,
    seconds: float,
    genres: GenreShares | None = None,
) -> tuple[Search, dict]:
    """A training run's search: on the evaluation's per-user holdout (`seed` draws it, from
    at most TUNING_USERS users) of the ratings of at most TUNING_SAMPLE_USERS users of
    `triples` (`seed` draws them too), within `seconds`; the search, its choice made for
    all of `triples` (`_for_all`), and the metrics to store on the run."""
    progress.stage(f"Tuning on a validation split (at most {seconds} s)")
    started = clock()
    sample = user_sample(triples, max_users=TUNING_SAMPLE_USERS, seed=seed)
    fit_mask, validation_mask = holdout_split(
        sample, fraction=HOLDOUT_FRACTION, seed=seed, max_users=TUNING_USERS
    )
    # The "more like this" queries are drawn with the search's default seed, not the
    # split's: what runs have always done.
    found = search(
        sample.subset(fit_mask),
        sample.subset(validation_mask),
        embeddings,
        TUNING_K,
        progress,
        relevance=Relevance.LIKED,
        start=start,
        rating_params=rating_params,
        seconds=seconds,
        genres=genres,
    )
    found = dataclasses.replace(
        found, choice=_for_all(found.choice, sampled=len(sample.user_ids) / len(triples.user_ids))
    )
    best_by_algorithm: dict[str, float] = {}
    # The log also holds the "more like this" search, scored by hits, not nDCG.
    ranked = [entry for entry in found.log if "ndcg" in entry]
    for entry in ranked:
        name = entry["algorithm"]
        best_by_algorithm[name] = max(best_by_algorithm.get(name, 0.0), entry["ndcg"])
    metrics = {
        "validation": {
            "protocol": describe_protocol(split=Split.USER, relevance=Relevance.LIKED, k=TUNING_K)
            + f"; validation ratings from at most {TUNING_USERS:,} users"
            + f"; fitted on the ratings of {len(sample.user_ids):,} of the"
            + f" {len(triples.user_ids):,} users",
            "seed": seed,
            "ndcg": {**best_by_algorithm, "hybrid": found.validation_ndcg},
            "candidates": len(ranked),
            "out_of_time": found.out_of_time,
            "seconds": round(clock() - started, 1),
        }
    }
    return found, metrics


def _for_all(choice: Choice, *, sampled: float) -> Choice:
    """A choice made on the ratings of a `sampled` share of the users, for the fit on all
    of them: the penalties that do not grow with the users scaled so that the final fit
    regularises as the winning candidate did (docs/scaling.md, "The search on a sample").

    EASE's λ is added to the Gram matrix's co-rating counts, which grow with the users:
    times 1 / share (B does not change when both are scaled alike). ALS's λ applies to
    each user's factor and to each film's: on the sample, the films' data shrank by the
    share but their penalty did not, which is (up to rescaling the factors, which changes
    no score) λ / √share on both sides at full size. The rating model's penalties are
    kept: the search fits it with the run's parameters only to weigh its stars."""
    if sampled == 1:
        return choice
    return dataclasses.replace(
        choice,
        als=dataclasses.replace(
            choice.als, regularization=choice.als.regularization / math.sqrt(sampled)
        ),
        ease=dataclasses.replace(choice.ease, l2=choice.ease.l2 / sampled),
    )
