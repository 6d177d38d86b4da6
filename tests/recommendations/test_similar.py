"""Hybrid "more like this" and the "Because you liked" rows, on the two-taste world."""

from decimal import Decimal

import numpy as np
import pytest

from accounts.models import User
from catalog.filters import MovieFilters
from catalog.models import Movie
from catalog.selectors import similar_movies
from jobs.progress import NullProgress
from ratings.models import Rating
from ratings.services import not_interested_add, rating_upsert
from recommendations.config import SimilarParams
from recommendations.models import TrainingRun
from recommendations.personal import liked_anchors
from recommendations.serving import model_for
from recommendations.similar import because_you_liked, served_similar_config, similar_to
from recommendations.training import training_run_train
from tests.factories import GenreFactory, MovieFactory
from tests.recommendations.conftest import (
    SMALL_RATING,
    refresh_rating_counters,
    unit_vector,
)

pytestmark = pytest.mark.django_db

CONTENT_ONLY = SimilarParams(
    content_weight=1.0,
    collaborative_weight=0.0,
    evidence_weight=0.0,
    franchise_weight=0.0,
    quality_weight=0.0,
    familiarity_weight=0.0,
)


def titles(movies) -> list[str]:
    return [movie.title for movie in movies]


@pytest.fixture
def twin(world):
    """A lexical twin of "Space 0": nearly its embedding, one 1.5-star rating by a romance
    fan. Created before `trained`, so the model knows it."""
    vector = np.array(world.space[0].embedding) + 0.01 * np.random.default_rng(1).standard_normal(
        len(world.space[0].embedding)
    )
    twin = MovieFactory(
        title="Space 0 Twin",
        year=1990,
        genres=[GenreFactory(name="Sci-Fi")],
        embedding=(vector / np.linalg.norm(vector)).tolist(),
    )
    Rating.objects.create(user=world.romance_fans[0], movie=twin, score=Decimal("1.5"))
    refresh_rating_counters()
    return twin


def quality_median_and_values() -> tuple[float, dict[int, float]]:
    """Each film's Bayesian mean (prior: 20 ratings at the catalogue mean), and the median
    over the rated films, from the database, independently of the code under test."""
    rows = list(Movie.objects.values_list("pk", "rating_count", "rating_sum"))
    counts = np.array([row[1] for row in rows], dtype=float)
    sums = np.array([float(row[2]) for row in rows])
    bayesian = (sums.sum() / counts.sum() * 20 + sums) / (20 + counts)
    return float(np.median(bayesian[counts > 0])), dict(
        zip([row[0] for row in rows], bayesian.tolist(), strict=True)
    )


def test_the_hybrid_skips_a_one_rating_lexical_twin_that_content_alone_puts_first(
    world, twin, trained
):
    query = world.space[0]

    assert titles(similar_movies(query, k=1)) == ["Space 0 Twin"]
    assert titles(similar_to(query, k=1, config=CONTENT_ONLY)) == ["Space 0 Twin"]
    hybrid = similar_to(query, k=10)
    assert "Space 0 Twin" not in titles(hybrid)
    assert all(title.startswith("Space") for title in titles(hybrid))
    scores = [movie.similarity for movie in hybrid]
    assert scores == sorted(scores, reverse=True)


def test_a_run_serves_the_more_like_this_weights_chosen_with_it(world, twin, trained):
    query = world.space[0]
    assert "Space 0 Twin" not in titles(similar_to(query, k=1))

    # As if the last run's search had chosen content alone: the next run reuses its
    # choice (no search here) and serves it.
    TrainingRun.objects.filter(pk=trained.pk).update(
        params={**trained.params, "similar": CONTENT_ONLY.as_json()}
    )
    run = training_run_train(progress=NullProgress(), tune=False, rating_params=SMALL_RATING)

    assert served_similar_config(model_for(run.pk)) == CONTENT_ONLY
    assert titles(similar_to(query, k=1)) == ["Space 0 Twin"]


def test_filters_are_honoured_and_the_list_holds_exactly_k(world, trained):
    query = world.space[0]  # 1990

    romances = similar_to(query, k=7, filters=MovieFilters(genre="romance"))
    assert len(romances) == 7 and all(title.startswith("Romance") for title in titles(romances))
    # Sci-Fi of the 1990s: Space 1..9 (Space 0, the query, is never listed).
    nineties = MovieFilters(genre="Sci-Fi", decade=1990)
    assert sorted(titles(similar_to(query, k=9, filters=nineties))) == [
        f"Space {i}" for i in range(1, 10)
    ]
    assert len(similar_to(query, k=20, filters=nineties)) == 9  # all that exist
    late = similar_to(query, k=5, filters=MovieFilters(year_min=2005, year_max=2007))
    assert len(late) == 5 and all(2005 <= movie.year <= 2007 for movie in late)


def test_hidden_films_are_never_listed(world, trained):
    hidden = similar_to(world.space[0], k=1)[0]
    Movie.objects.filter(pk=hidden.pk).update(is_hidden=True)

    listed = similar_to(world.space[0], k=10)

    assert hidden.pk not in {movie.pk for movie in listed} and len(listed) == 10


def test_a_film_outside_the_model_gets_content_neighbours(world, trained):
    newcomer = MovieFactory(
        title="New Space",
        embedding=unit_vector(0, np.random.default_rng(9)),
        year=2020,
        genres=[GenreFactory(name="Sci-Fi")],
    )

    listed = similar_to(newcomer, k=10)

    assert len(listed) == 10 and all(title.startswith("Space") for title in titles(listed))
    # And films the model does not know can be listed for a film it knows.
    assert "New Space" in titles(similar_to(world.space[3], k=25))


def test_without_a_model_it_is_content_and_without_any_vector_nothing(world):
    assert all(title.startswith("Space") for title in titles(similar_to(world.space[0], k=5)))
    assert similar_to(MovieFactory(title="Bare"), k=5) == []


def test_a_call_makes_two_queries(world, trained, django_assert_num_queries):
    similar_to(world.space[0], k=10)  # loads the model and catalogue into the process
    # The versions, and the films shown with their genres.
    with django_assert_num_queries(2):
        similar_to(world.space[0], k=10, filters=MovieFilters(genre="Sci-Fi"))


# --- Because you liked -----------------------------------------------------------------


@pytest.fixture
def newcomer(world):
    user = User.objects.create(username="newcomer", password="!")
    rating_upsert(user=user, movie=world.space[0], score="5.0")  # the oldest
    rating_upsert(user=user, movie=world.space[1], score="4.0")
    rating_upsert(user=user, movie=world.romance[0], score="4.5")
    rating_upsert(user=user, movie=world.romance[1], score="2.0")  # the latest, not liked
    return user


def test_anchors_are_the_best_rated_recent_films_not_the_latest_like(world, newcomer):
    assert liked_anchors(user=newcomer, n=2) == [world.space[0], world.romance[0]]
    assert liked_anchors(user=newcomer) == [world.space[0], world.romance[0], world.space[1]]


def test_anchors_come_from_the_latest_ratings_only(world, newcomer, monkeypatch):
    monkeypatch.setattr("recommendations.personal.ANCHOR_WINDOW", 2)
    # The two latest: Romance 1 (2.0) and Romance 0 (4.5).
    assert liked_anchors(user=newcomer) == [world.romance[0]]


def test_because_rows_never_list_films_below_the_median_bayesian_mean(
    world, twin, trained, newcomer
):
    not_interested_add(user=newcomer, movie=world.space[2])
    median, bayesian = quality_median_and_values()
    # Without the floor, the neighbours of the 5-star anchor include weaker films.
    unfloored = similar_to(world.space[0], k=19)
    assert any(bayesian[movie.pk] < median - 1e-6 for movie in unfloored)

    rows = because_you_liked(user=newcomer, k=6)

    assert [row.anchor for row in rows] == [world.space[0], world.romance[0], world.space[1]]
    listed = [movie for row in rows for movie in row.movies]
    assert listed and all(bayesian[movie.pk] >= median - 1e-6 for movie in listed)
    ids = [movie.pk for movie in listed]
    assert len(ids) == len(set(ids))  # no film twice
    rated_or_dismissed = {world.space[0].pk, world.space[1].pk, world.space[2].pk}
    rated_or_dismissed |= {world.romance[0].pk, world.romance[1].pk}
    assert rated_or_dismissed.isdisjoint(ids) and twin.pk not in ids
    assert all(title.startswith("Space") for title in titles(rows[0].movies))
    assert all(title.startswith("Romance") for title in titles(rows[1].movies))


def test_a_user_without_likes_gets_no_because_rows(world, trained):
    user = User.objects.create(username="grumpy", password="!")
    rating_upsert(user=user, movie=world.space[0], score="3.5")
    assert because_you_liked(user=user, k=6) == []
