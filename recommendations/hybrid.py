"""The recommender's entry points: a user's list, "also liked" and a group's list.

ALS + EASE + content (embeddings) + popularity, blended and diversified. One request runs
these steps, each in its own module, and each module imports only those above it:

1. Reads (`selectors`): the versions the list depends on, then the user's signals.
   The per-process model (`serving`) and catalogue (`catalog_arrays`) are the ones of
   those versions.
2. Profile (`profile`): the user's content taste, folded-in ALS factor and EASE scores.
3. Candidates (`candidates`): the ALS, EASE and content pools of the sources the user
   has weight for (`blend.source_weights`), and the most popular allowed movies.
4. Scoring (`scoring`): each source's raw score for every candidate.
5. Blend (`blend`): the weighted sum of the normalised scores.
6. Diversify (`diversify`): the MMR re-rank.
7. Explain (`explain`): why each pick was picked.

Then this module keeps the picks the database confirms are visible, predicts the
user's stars for them (`predictions`) and caches the list with them (`CachedList`).
Every step takes its knobs from one `config.HybridParams`.

Steps 4-6 are `ranking.rank`, which is pure numpy and shared with the offline
evaluation, so what is measured is what is served. Only candidate retrieval
differs: here it is pgvector and SQL, offline it is exact numpy over the split.

Per call: one query for the serving model's and the catalogue's versions, one for
the user's signals, one pgvector neighbour query, one for the movies shown with
their genre names and one for the ratings the predictions fold in. Popularity,
filters and the candidates' embeddings come from the in-process catalogue
(`recommendations.catalog_arrays`). A cached list costs one query: the versions, with the
user's choice of recommender and whether its movies are still visible.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.core.cache import caches

from catalog.filters import MovieFilters
from catalog.models import Movie
from catalog.selectors import movies_visible_with_genre_names
from core import metrics
from core.vectors import top_k_sorted
from recommendations.algorithms.ease import EaseModel
from recommendations.algorithms.rating import RatingModel
from recommendations.blend import blend, source_weights
from recommendations.candidates import personal_pools
from recommendations.catalog_arrays import CatalogArrays, catalog_arrays_for
from recommendations.config import DEFAULT_HYBRID, Algorithm, HybridParams, Source
from recommendations.diversify import mmr
from recommendations.explain import explain, explain_also_liked, explain_group
from recommendations.predictions import predicted_scores_from
from recommendations.profile import TasteProfile, taste_profile
from recommendations.ranking import rank
from recommendations.scoring import normalise, source_scores
from recommendations.selectors import (
    RecommenderVersions,
    recommender_check,
    recommender_versions,
    user_signals,
)
from recommendations.serving import (
    ServingModel,
    ease_model_for,
    model_for,
    rating_model_for,
    serving_model,
)
from recommendations.types import UserRatings

# A rating at or below this vetoes the film for a group movie night.
# Ranked beyond k, in case the database says a pick was hidden since the in-process
# catalogue was built.
SPARE_PICKS = 5


@dataclass(frozen=True)
class Recommendation:
    movie: Movie
    score: float
    explanation: str
    source: Source
    model_version: int | None  # the TrainingRun id that served it; None before any training
    # The user's predicted stars (`predictions`), on the lists of
    # recommend_for_user only; None there when there is nothing to predict from.
    predicted_score: float | None = None


@dataclass(frozen=True)
class Pick:
    """A ranked movie and why, before the database confirms it can be shown."""

    movie_id: int
    score: float
    explanation: str
    source: Source


@dataclass(frozen=True, kw_only=True)
class CachedList:
    """A user's ranked list, valid while `versions` hold and for `algorithm` (a list
    asked for in the user's choice is stale once they choose another). The movies are
    kept with their genre names, as they were when ranked (rating counts and means may
    lag). Their predicted stars depend only on the serving run and the user's ratings,
    both in `versions`, so they are kept too: a cached list costs no fold-in."""

    versions: RecommenderVersions
    algorithm: Algorithm
    picks: list[Pick]
    movies: dict[int, Movie]
    predicted: dict[int, float]


@dataclass(frozen=True)
class _Serving:
    """The models and catalogue of one set of versions, as this process holds them."""

    model: ServingModel | None
    ease: EaseModel | None
    rating_model: RatingModel | None
    catalogue: CatalogArrays

    @property
    def config(self) -> HybridParams:
        """The blend the serving model was tuned with; the defaults before any model."""
        return DEFAULT_HYBRID if self.model is None else self.model.config


def _serving(versions: RecommenderVersions) -> _Serving:
    return _Serving(
        model=model_for(versions.run_id),
        ease=ease_model_for(versions.run_id),
        rating_model=rating_model_for(versions.run_id),
        catalogue=catalog_arrays_for(versions.catalogue),
    )


def _profile_for(
    user, serving: _Serving, *, exclude_watchlist: bool, config: HybridParams
) -> TasteProfile:
    signals = user_signals(
        user_id=user.pk,
        like_threshold=config.like_threshold,
        liked_cap=config.liked_cap,
        include_watchlist=exclude_watchlist,
        vectors_of=serving.catalogue.content.vectors_of,
    )
    return taste_profile(signals, serving.model, serving.ease, serving.rating_model)


def recommend_for_user(
    user,
    k: int = 10,
    filters: MovieFilters | None = None,
    exclude_watchlist: bool = False,
    *,
    algorithm: Algorithm | None = None,
    config: HybridParams | None = None,
) -> list[Recommendation]:
    """Top-k unseen, visible movies within `filters`, each with why it was picked.

    `algorithm` defaults to the one the user chose (hybrid until they choose), read
    with the versions; `config` to the blend the serving model was trained with.

    Always k long when the filtered catalogue has k unseen movies: the popularity
    candidates are drawn within the filters and are at least k.

    The ranking is cached per process with every version it depends on (model,
    catalogue, the user's ratings and lists, their choice of recommender), read in the
    same query that checks the cached movies are still visible; so a rating, a retrain,
    a catalogue edit or a new choice is seen by the very next call; only popularity
    and the rating counts and means of the movies shown can lag, by at most the cache
    timeout.
    """
    filters = filters or MovieFilters()
    request = (user.pk, k, filters, exclude_watchlist, algorithm, config)
    key = "recs:" + hashlib.sha256(repr(request).encode()).hexdigest()
    cache = caches["recommendations"]
    cached: CachedList | None = cache.get(key)
    check = recommender_check(user_id=user.pk, movie_ids=list(cached.movies) if cached else [])
    versions, algorithm = check.versions, algorithm or check.chosen
    hit = cached is not None and (cached.versions, cached.algorithm) == (versions, algorithm)
    metrics.recommendation_cache_record(hit=hit)
    if hit:
        # Filters depend on genres and years, which only catalogue writes change, and
        # those move the catalogue version; visibility is re-checked in case a write
        # bypassed it.
        movies = {pk: movie for pk, movie in cached.movies.items() if pk in check.visible}
        return _recommendations(
            cached.picks, movies, versions.run_id, k=k, predicted=cached.predicted
        )
    picks, profile = _picks_for_user(
        user, versions, k, filters, exclude_watchlist, algorithm=algorithm, config=config
    )
    movies = _movies_shown(picks)
    # The ratings the profile read, after the versions (should a rating land in between,
    # the next call misses): one read of them per recommendation.
    predicted = predicted_scores_from(
        run_id=versions.run_id,
        ratings=UserRatings.from_scores(profile.rated),
        movie_ids=list(movies),
    )
    cache.set(
        key,
        CachedList(
            versions=versions,
            algorithm=algorithm,
            picks=picks,
            movies=movies,
            predicted=predicted,
        ),
    )
    return _recommendations(picks, movies, versions.run_id, k=k, predicted=predicted)


def _picks_for_user(
    user,
    versions: RecommenderVersions,
    k: int,
    filters: MovieFilters,
    exclude_watchlist: bool,
    *,
    algorithm: Algorithm,
    config: HybridParams | None,
) -> tuple[list[Pick], TasteProfile]:
    """The ranked picks, and the profile they were ranked for."""
    serving = _serving(versions)
    model, catalogue = serving.model, serving.catalogue
    config = config or serving.config
    profile = _profile_for(user, serving, exclude_watchlist=exclude_watchlist, config=config)
    sources = source_weights(algorithm, profile, config)
    allowed = catalogue.allowed(filters, profile.seen_ids)
    pool = personal_pools(
        profile,
        model,
        catalogue.content,
        sources,
        filters,
        allowed,
        config,
        catalogue.genre_shares,
    )
    pool.append(catalogue.popular_ids(max(config.pool_size, k + SPARE_PICKS), allowed))
    candidates = catalogue.candidates(np.concatenate(pool), allowed)
    ranked = rank(
        algorithm=algorithm,
        profile=profile,
        model=model,
        candidates=candidates,
        k=k + SPARE_PICKS,
        config=config,
        genres=catalogue.genre_shares,
        shown=k,
    )
    picks = [
        Pick(
            movie_id=int(candidates.movie_ids[item.index]),
            score=item.score,
            explanation=explain(
                item,
                movie_id=int(candidates.movie_ids[item.index]),
                vector=candidates.vectors[item.index],
                profile=profile,
                ease=serving.ease,
            ),
            source=item.source,
        )
        for item in ranked
    ]
    return picks, profile


def _movies_shown(picks: Sequence[Pick]) -> dict[int, Movie]:
    """The picked movies that the database confirms are visible (the in-process catalogue
    may be minutes old). Filters are not re-checked: the catalogue copy that applied them
    is rebuilt whenever a catalogue write moves its version."""
    return movies_visible_with_genre_names(movie_ids=[pick.movie_id for pick in picks])


def _recommendations(
    picks: Sequence[Pick],
    movies: dict[int, Movie],
    run_id: int | None,
    *,
    k: int,
    predicted: dict[int, float] | None = None,
) -> list[Recommendation]:
    """The first k picks among `movies`, each with a copy of its movie (the cached ones
    are shared by every request of this process, and pages annotate theirs) and its
    `predicted` stars, if given."""
    predicted = predicted or {}
    return _served(
        [
            Recommendation(
                movie=copy.copy(movies[pick.movie_id]),
                score=pick.score,
                explanation=pick.explanation,
                source=pick.source,
                model_version=run_id,
                predicted_score=predicted.get(pick.movie_id),
            )
            for pick in picks
            if pick.movie_id in movies
        ][:k]
    )


def _served(recommendations: list[Recommendation]) -> list[Recommendation]:
    """Every list handed out passes here, to be counted by source."""
    metrics.recommendations_served_record(sources=[r.source for r in recommendations])
    return recommendations


def also_liked(
    movie: Movie, k: int = 10, *, exclude: np.ndarray | None = None
) -> list[Recommendation]:
    """Movies with the closest ALS item factors (cosine), none of `exclude` (ids); [] when
    ALS doesn't know `movie`."""
    model = serving_model()
    if model is None:
        return []
    similarity = model.cosines(movie.pk)
    if similarity is None:
        return []
    similarity[model.positions(np.array([movie.pk], dtype=np.int64))[0]] = -np.inf
    if exclude is not None:
        excluded, modelled = model.positions(exclude)
        similarity[excluded[modelled]] = -np.inf
    # Hidden movies are rare, so a window a few times k almost always leaves k visible.
    window = min(int(np.isfinite(similarity).sum()), 4 * k + 20)
    top = top_k_sorted(similarity, window)
    visible = movies_visible_with_genre_names(movie_ids=model.movie_ids[top].tolist())
    picks = [(int(model.movie_ids[i]), float(similarity[i])) for i in top]
    return _served(
        [
            Recommendation(
                movie=visible[movie_id],
                score=score,
                explanation=explain_also_liked(movie.title),
                source=Source.ALS,
                model_version=model.run_id,
            )
            for movie_id, score in picks
            if movie_id in visible
        ][:k]
    )


def recommend_for_group(
    users: Sequence, k: int = 10, *, config: HybridParams | None = None
) -> list[Recommendation]:
    """Films for watching together: average taste without misery.

    A film any member rated, dismissed ("not interested") or put on their watchlist is
    left out, whatever its score: a pick the others can see would hint at what that
    member said about it (there is no setting to share them). Each member's hybrid score
    is rescaled to [0, 1] over the shared candidates; a film below `group_misery` for any
    member is only used to fill the list after every film that nobody minds. Members who
    have rated nothing are left out of the scores and of the reasons (`group_newcomers`).
    """
    if not users:
        raise ValueError("A group needs at least one member.")
    versions = recommender_versions(user_id=None)
    serving = _serving(versions)
    model, catalogue = serving.model, serving.catalogue
    config = config or serving.config
    # seen_ids with the watchlist: everything a member rated, dismissed or watchlisted.
    profiles = [_profile_for(u, serving, exclude_watchlist=True, config=config) for u in users]
    exclude = np.unique(np.concatenate([p.seen_ids for p in profiles]))
    no_filters = MovieFilters()

    allowed = catalogue.allowed(no_filters, exclude)
    pool = [catalogue.popular_ids(max(config.pool_size, k + SPARE_PICKS), allowed)]
    for profile in profiles:
        sources = source_weights(Algorithm.HYBRID, profile, config)
        pool += personal_pools(
            profile, model, catalogue.content, sources, no_filters, allowed, config
        )
    candidates = catalogue.candidates(np.concatenate(pool), allowed)
    if not len(candidates.movie_ids):
        return []

    # A member who has rated nothing has no taste to serve: the others' tastes pick (their
    # exclusions still count). With nobody's ratings, everyone's popular picks are used.
    tasted = [i for i, profile in enumerate(profiles) if profile.n_ratings] or range(len(users))
    utilities, dominants = [], []
    for profile in [profiles[i] for i in tasted]:
        weights = source_weights(Algorithm.HYBRID, profile, config)
        total, dominant = blend(source_scores(weights, profile, model, candidates), weights)
        utilities.append(normalise(total))
        dominants.append(dominant)
    utility = np.stack(utilities)
    # Films someone would mind sink below every film nobody minds.
    penalty = (utility.min(axis=0) < config.group_misery).astype(np.float32)
    order = mmr(
        utility.mean(axis=0) - penalty, candidates.vectors, k + SPARE_PICKS, config.mmr_lambda
    )

    names = [users[i].get_username() for i in tasted]
    picks = [
        Pick(
            movie_id=int(candidates.movie_ids[i]),
            score=float(utility[:, i].mean()),
            explanation=explain_group(utility[:, i], names, config),
            source=dominants[int(utility[:, i].argmax())][i],
        )
        for i in order
    ]
    return _recommendations(picks, _movies_shown(picks), versions.run_id, k=k)
