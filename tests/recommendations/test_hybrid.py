import dataclasses
from collections import Counter

import numpy as np
import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from accounts.models import User
from catalog.filters import MovieFilters
from catalog.models import Movie
from jobs.progress import NullProgress
from ratings.services import not_interested_add, rating_delete, rating_upsert, watchlist_add
from recommendations.config import Algorithm, HybridParams, Source
from recommendations.hybrid import also_liked, recommend_for_user
from recommendations.models import TrainingRun
from recommendations.predictions import predicted_scores
from recommendations.services import recommender_algorithm_set
from recommendations.serving import ease_model_for, serving_model
from recommendations.training import training_run_train
from tests.factories import GenreFactory
from tests.recommendations.conftest import SMALL_ALS

pytestmark = pytest.mark.django_db


def ids(recs) -> list[int]:
    return [rec.movie.pk for rec in recs]


def test_a_user_without_ratings_gets_k_popular_picks(world):
    newcomer = User.objects.create(username="newcomer", password="!")

    recs = recommend_for_user(newcomer, k=10)

    assert len(recs) == 10 == len(set(ids(recs)))
    assert {rec.source for rec in recs} == {Source.POPULARITY}
    assert {rec.explanation for rec in recs} == {"Popular now"}
    assert recs[0].model_version is None


def test_a_user_with_two_likes_leans_on_content(world, trained):
    newcomer = User.objects.create(username="newcomer", password="!")
    rating_upsert(user=newcomer, movie=world.romance[0], score="5.0")
    rating_upsert(user=newcomer, movie=world.romance[1], score="4.5")

    recs = recommend_for_user(newcomer, k=5)

    assert len(recs) == 5
    assert all(rec.movie.title.startswith("Romance") for rec in recs)
    assert all(rec.source is Source.CONTENT for rec in recs)
    assert all(
        rec.explanation in {"Because you liked Romance 0", "Because you liked Romance 1"}
        for rec in recs
    )
    assert recs[0].model_version == trained.pk


def test_a_fan_gets_their_cluster_from_als_and_never_what_they_rated(world, trained):
    fan = world.space_fans[0]
    rated = set(fan.ratings.values_list("movie_id", flat=True))

    recs = recommend_for_user(fan, k=5)

    assert len(recs) == 5 and not rated & set(ids(recs))
    assert all(rec.movie.title.startswith("Space") for rec in recs)
    assert Source.ALS in {rec.source for rec in recs}
    # Each reason says what the source that picked the film did.
    reasons = {
        Source.ALS: "Popular with people who share your taste",
        Source.EASE: "Often liked together with Space",
        Source.CONTENT: "Because you liked Space",
        Source.STARS: "We think you'll rate it highly",
    }
    assert all(rec.explanation.startswith(reasons[rec.source]) for rec in recs)


def test_a_new_rating_changes_the_next_list_without_retraining(world, trained):
    fan = world.space_fans[0]
    before = recommend_for_user(fan, k=5)
    top = before[0].movie

    rating_upsert(user=fan, movie=top, score="5.0")
    after_one = recommend_for_user(fan, k=5)
    assert top.pk not in ids(after_one)

    # Loving a whole other cluster moves the folded-in taste, still without a retrain.
    for movie in world.romance:
        if not fan.ratings.filter(movie=movie).exists():
            rating_upsert(user=fan, movie=movie, score="5.0")
    for movie in world.space:
        rating_upsert(user=fan, movie=movie, score="1.0")
    after_many = recommend_for_user(fan, k=3)
    assert after_many == [] or all(rec.movie.title.startswith("Romance") for rec in after_many)
    assert TrainingRun.objects.count() == 1


def test_filters_are_honoured_and_the_list_is_filled_to_k(world, trained):
    fan = world.space_fans[0]
    filters = MovieFilters(genre="romance", decade=1990)

    recs = recommend_for_user(fan, k=6, filters=filters)

    unrated = Movie.objects.filter(genres__name="Romance", year__lt=2000).exclude(ratings__user=fan)
    assert len(recs) == min(6, unrated.count())
    assert all(
        rec.movie.title.startswith("Romance") and 1990 <= rec.movie.year <= 1999 for rec in recs
    )


def test_a_genre_filter_still_shows_every_genre_of_each_movie(world, trained):
    drama = GenreFactory(name="Drama")
    for movie in world.romance:
        movie.genres.add(drama)

    recs = recommend_for_user(world.space_fans[0], k=5, filters=MovieFilters(genre="romance"))

    assert len(recs) == 5
    assert all(rec.movie.genre_names == ["Drama", "Romance"] for rec in recs)


def test_filters_that_match_little_return_what_exists(world, trained):
    recs = recommend_for_user(world.space_fans[0], k=10, filters=MovieFilters(year_min=2009))
    assert {rec.movie.year for rec in recs} == {2009}
    assert len(recs) == 2 - world.space_fans[0].ratings.filter(movie__year=2009).count()


def test_hidden_not_interested_and_optionally_watchlisted_movies_are_excluded(world, trained):
    fan = world.space_fans[0]
    first, second, third = (rec.movie for rec in recommend_for_user(fan, k=3))
    Movie.objects.filter(pk=first.pk).update(is_hidden=True)
    not_interested_add(user=fan, movie=second)
    watchlist_add(user=fan, movie=third)

    kept = ids(recommend_for_user(fan, k=10))
    assert first.pk not in kept and second.pk not in kept and third.pk in kept
    assert third.pk not in ids(recommend_for_user(fan, k=10, exclude_watchlist=True))


def test_single_source_algorithms_are_available(world, trained):
    fan = world.romance_fans[0]
    for algorithm in Algorithm:
        recs = recommend_for_user(fan, k=4, algorithm=algorithm)
        assert len(recs) == 4
    assert {r.source for r in recommend_for_user(fan, k=4, algorithm=Algorithm.ALS)} == {Source.ALS}


def test_als_alone_is_exactly_the_folded_in_ranking(world, trained):
    fan = world.romance_fans[3]
    model = serving_model()
    rated = list(fan.ratings.values_list("movie_id", "score"))
    vector = model.user_vector(
        np.array([m for m, _ in rated]), np.array([float(s) for _, s in rated], dtype=np.float32)
    )
    scores = dict(
        zip(model.movie_ids.tolist(), (model.item_factors @ vector).tolist(), strict=True)
    )
    unseen = sorted(set(scores) - {m for m, _ in rated}, key=lambda m: -scores[m])

    # A pool as small as k: the ALS candidates must come from the model, not the other pools.
    recs = recommend_for_user(fan, k=4, algorithm=Algorithm.ALS, config=HybridParams(pool_size=4))

    assert ids(recs) == unseen[:4]


def test_ease_alone_is_exactly_the_served_ease_ranking(world, trained):
    fan = world.space_fans[2]
    ease = ease_model_for(trained.pk)
    rated = list(fan.ratings.values_list("movie_id", "score"))
    movie_ids, scores = ease.user_scores(
        movie_ids=np.array([m for m, _ in rated]),
        stars=np.array([float(s) for _, s in rated], dtype=np.float32),
    )
    by_movie = dict(zip(movie_ids.tolist(), scores.tolist(), strict=True))
    unseen = sorted(set(by_movie) - {m for m, _ in rated}, key=lambda m: -by_movie[m])

    recs = recommend_for_user(fan, k=4, algorithm=Algorithm.EASE, config=HybridParams(pool_size=4))

    assert ids(recs) == unseen[:4]
    assert {r.source for r in recs} == {Source.EASE}
    assert set(ids(recs)) <= {m.pk for m in world.space}


def test_the_hybrid_blends_ease_when_it_has_weight(world, trained):
    fan = world.romance_fans[1]
    # Full trust from the first rating, so the collaborative weights are all there is.
    warm = HybridParams(full_trust_ratings=1, content_weight=0.0, mmr_lambda=1.0)
    only_ease = dataclasses.replace(warm, als_weight=0.0, ease_weight=1.0)
    without = dataclasses.replace(warm, als_weight=1.0, ease_weight=0.0)

    with_ease = recommend_for_user(fan, k=5, config=only_ease)
    with_als = recommend_for_user(fan, k=5, config=without)

    assert {r.source for r in with_ease} == {Source.EASE}
    assert Source.EASE not in {r.source for r in with_als}
    assert ids(with_ease) == ids(recommend_for_user(fan, k=5, algorithm=Algorithm.EASE))


def test_the_hybrid_weighs_the_serving_runs_predicted_stars(world, trained):
    fan = world.romance_fans[1]
    # Full trust at once; the stars outweigh popularity, the only other source left.
    stars_first = HybridParams(
        full_trust_ratings=1,
        als_weight=0.0,
        ease_weight=0.0,
        content_weight=0.0,
        stars_weight=5.0,
        mmr_lambda=1.0,
    )

    recs = recommend_for_user(fan, k=5, config=stars_first)
    without = recommend_for_user(fan, k=5, config=dataclasses.replace(stars_first, stars_weight=0))

    assert Source.STARS in {r.source for r in recs}
    assert {r.source for r in without} == {Source.POPULARITY}
    # Weighing the stars picks films the fan is predicted to like more.
    stars = predicted_scores(user=fan, movie_ids=ids(recs) + ids(without))
    assert np.mean([stars[pk] for pk in ids(recs)]) > np.mean([stars[pk] for pk in ids(without)])


def test_a_list_not_cached_yet_costs_three_queries(world, trained, django_assert_num_queries):
    recommend_for_user(world.space_fans[0])  # loads the models into the process
    # The versions and the user's choice; the user's ratings and likes (which the predicted
    # stars fold in too: the ratings are read once); the movies shown with their genres.
    # The content pool is a scan of the process's catalogue copy, not a pgvector query.
    with django_assert_num_queries(3):
        recommend_for_user(world.space_fans[1], k=10)


def test_also_liked_stays_in_the_cluster_and_skips_hidden(world, trained):
    hidden = world.space[1]
    Movie.objects.filter(pk=hidden.pk).update(is_hidden=True)

    recs = also_liked(world.space[0], k=5)

    assert len(recs) == 5
    assert world.space[0].pk not in ids(recs) and hidden.pk not in ids(recs)
    assert sum(rec.movie.title.startswith("Space") for rec in recs) >= 4
    assert recs[0].explanation == "People who liked Space 0 also liked this"


def test_also_liked_without_a_model_is_empty(world):
    assert also_liked(world.space[0]) == []


def test_a_repeated_call_is_served_from_the_cache_in_one_query(world, trained):
    fan = world.space_fans[0]
    first = recommend_for_user(fan, k=5)
    with CaptureQueriesContext(connection) as queries:
        again = recommend_for_user(fan, k=5)
        genres = [rec.movie.genre_names for rec in again]
    assert ids(again) == ids(first)
    assert genres == [[g.name for g in Movie.objects.get(pk=pk).genres.all()] for pk in ids(again)]
    assert any(genres)
    assert len(queries) == 1  # the versions, with whether the cached movies are visible
    # The predicted stars are cached with the list.
    stars = [rec.predicted_score for rec in again]
    assert stars == [rec.predicted_score for rec in first]
    assert stars == [predicted_scores(user=fan, movie_ids=ids(again))[pk] for pk in ids(again)]


def test_each_call_gets_its_own_movies_from_the_cached_list(world, trained):
    """Pages annotate the movies they show; the cached ones are shared by every request."""
    fan = world.space_fans[0]
    first = recommend_for_user(fan, k=5)
    first[0].movie.title = "Annotated by the first page"
    first[0].movie.my_score = 4.5

    again = recommend_for_user(fan, k=5)

    assert ids(again) == ids(first)
    assert again[0].movie is not first[0].movie
    assert again[0].movie.title == Movie.objects.get(pk=again[0].movie.pk).title
    assert not hasattr(again[0].movie, "my_score")


def test_a_movie_without_genres_is_shown_with_an_empty_genre_list(world, trained):
    fan = world.space_fans[0]
    top = recommend_for_user(fan, k=5)[0].movie
    Movie.objects.get(pk=top.pk).genres.clear()
    caches["recommendations"].clear()

    again = recommend_for_user(fan, k=5)

    assert again[0].movie.pk == top.pk and again[0].movie.genre_names == []
    assert all(rec.movie.genre_names for rec in again[1:])


@pytest.mark.parametrize("change", ["rate", "unrate", "not interested", "watchlist"])
def test_every_change_of_the_user_invalidates_their_cached_list(world, trained, change):
    fan = world.space_fans[0]
    top = recommend_for_user(fan, k=5, exclude_watchlist=True)[0].movie
    if change == "rate":
        rating_upsert(user=fan, movie=top, score="4.0")
    elif change == "not interested":
        not_interested_add(user=fan, movie=top)
    elif change == "watchlist":
        watchlist_add(user=fan, movie=top)
    else:
        rated = fan.ratings.filter(score__gte=4).first().movie
        rating_delete(user=fan, movie=rated)

    after = ids(recommend_for_user(fan, k=5, exclude_watchlist=True))

    if change == "unrate":
        assert rated.pk in ids(recommend_for_user(fan, k=25, exclude_watchlist=True))
    else:
        assert top.pk not in after


def test_a_retrain_invalidates_cached_lists(world, trained):
    fan = world.space_fans[0]
    assert recommend_for_user(fan, k=3)[0].model_version == trained.pk
    newer = training_run_train(progress=NullProgress(), params=SMALL_ALS)
    assert recommend_for_user(fan, k=3)[0].model_version == newer.pk


# --- Metrics (core.metrics) -----------------------------------------------------------------


def served(source: Source) -> float:
    labels = {"source": source}
    return REGISTRY.get_sample_value("movierec_recommendations_served_total", labels) or 0


def cache_lookups(result: str) -> float:
    labels = {"result": result}
    return REGISTRY.get_sample_value("movierec_recommendation_cache_lookups_total", labels) or 0


def test_every_list_handed_out_is_counted_by_source(world, trained):
    before = {source: served(source) for source in Source}
    recs = recommend_for_user(world.space_fans[0], k=8)
    liked = also_liked(world.space[0], k=4)
    counts = Counter(rec.source for rec in recs + liked)
    assert counts[Source.ALS] >= len(liked) > 0
    assert {source: served(source) - before[source] for source in Source} == {
        source: counts[source] for source in Source
    }


def test_a_list_cache_miss_then_a_hit_then_a_miss_after_a_rating(world, trained):
    caches["recommendations"].clear()
    fan = world.space_fans[0]
    misses, hits = cache_lookups("miss"), cache_lookups("hit")
    first = recommend_for_user(fan, k=5)
    assert (cache_lookups("miss"), cache_lookups("hit")) == (misses + 1, hits)
    recommend_for_user(fan, k=5)
    assert (cache_lookups("miss"), cache_lookups("hit")) == (misses + 1, hits + 1)
    rating_upsert(user=fan, movie=first[0].movie, score="4.0")  # the list's versions move
    recommend_for_user(fan, k=5)
    assert (cache_lookups("miss"), cache_lookups("hit")) == (misses + 2, hits + 1)


def test_by_default_the_users_choice_read_with_the_versions(world, trained):
    fan = world.space_fans[0]
    caches["recommendations"].clear()
    hybrid = recommend_for_user(fan, k=5)
    assert {rec.source for rec in hybrid} != {Source.POPULARITY}

    recommender_algorithm_set(user=fan, algorithm=Algorithm.POPULARITY)
    misses, hits = cache_lookups("miss"), cache_lookups("hit")
    popular = recommend_for_user(fan, k=5)
    assert {rec.source for rec in popular} == {Source.POPULARITY}
    assert (cache_lookups("miss"), cache_lookups("hit")) == (misses + 1, hits)
    with CaptureQueriesContext(connection) as queries:
        assert ids(recommend_for_user(fan, k=5)) == ids(popular)
    assert len(queries) == 1  # the versions and the choice, with the movies' visibility

    recommender_algorithm_set(user=fan, algorithm=Algorithm.HYBRID)
    assert ids(recommend_for_user(fan, k=5)) == ids(hybrid)
    # An explicit algorithm wins over the choice.
    explicit = recommend_for_user(fan, k=5, algorithm=Algorithm.POPULARITY)
    assert ids(explicit) == ids(popular)
