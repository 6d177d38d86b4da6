from decimal import Decimal

import numpy as np
import pytest

from ratings.services import rating_upsert
from recommendations import taste
from recommendations.taste import GenreStat, fit_basis, genre_stats, movie_map, score_histogram
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_genre_stats_count_and_average_per_genre(user):
    drama, comedy, horror = (GenreFactory(name=n) for n in ("Drama", "Comedy", "Horror"))
    rating_upsert(user=user, movie=MovieFactory(genres=[drama]), score="5.0")
    rating_upsert(user=user, movie=MovieFactory(genres=[drama, comedy]), score="2.0")
    rating_upsert(user=user, movie=MovieFactory(genres=[drama]), score="3.5")
    rating_upsert(user=user, movie=MovieFactory(genres=[comedy]), score="4.5")
    rating_upsert(user=user, movie=MovieFactory(), score="1.0")  # no genre: not a bar
    rating_upsert(user=UserFactory(), movie=MovieFactory(genres=[horror]), score="5.0")
    assert genre_stats(user=user) == [
        GenreStat("Drama", 3, 3.5),
        GenreStat("Comedy", 2, 3.25),
    ]


def test_score_histogram_has_every_half_star(user):
    for score in ("0.5", "4.0", "4.0", "5.0"):
        rating_upsert(user=user, movie=MovieFactory(), score=score)
    histogram = score_histogram(user=user)
    assert [str(score) for score, _ in histogram] == [
        "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"
    ]  # fmt: skip
    assert [n for _, n in histogram] == [1, 0, 0, 0, 0, 0, 0, 2, 0, 1]
    assert sum(n for _, n in score_histogram(user=UserFactory())) == 0


def test_fit_basis_finds_the_directions_of_most_spread():
    rng = np.random.default_rng(3)
    # Spread mostly along axis 5, then axis 9, a little elsewhere.
    points = rng.standard_normal((400, 384)) * 0.01
    points[:, 5] += rng.standard_normal(400) * 3
    points[:, 9] += rng.standard_normal(400) * 1
    points[:, 0] += 10  # a common offset, so rows stay far from the origin when normalised
    basis = fit_basis(points)
    assert basis.components.shape == (2, 384)
    assert np.allclose(basis.components @ basis.components.T, np.eye(2), atol=1e-6)
    assert abs(basis.components[0, 5]) > 0.95 and abs(basis.components[1, 9]) > 0.9
    assert basis.explained[0] > basis.explained[1] > 0
    # Deterministic signs: the largest entry of each axis is positive.
    assert all(row[np.abs(row).argmax()] > 0 for row in basis.components)


def test_movie_map_projects_and_highlights(world, user):
    taste._basis_cache.clear()
    liked, recommended = world.space[0], world.romance[0]
    rating_upsert(user=user, movie=liked, score="4.5")
    hidden = MovieFactory(embedding=world.space[1].embedding, is_hidden=True)
    MovieFactory(title="Not embedded yet")

    data = movie_map(user=user, recommended_ids=[recommended.pk, liked.pk])

    points = {point["id"]: point for point in data["points"]}
    assert len(points) == 40  # every visible embedded movie is popular enough here
    assert hidden.pk not in points
    assert points[liked.pk]["kind"] == "rated" and points[liked.pk]["score"] == 4.5
    assert points[recommended.pk]["kind"] == "recommended"  # rated beats recommended
    assert {p["kind"] for p in data["points"]} == {"popular", "recommended", "rated"}
    assert [p["kind"] for p in data["points"]][-1] == "rated"  # drawn on top
    assert points[liked.pk]["title"] == f"{liked.title} ({liked.year})"
    # The two clusters fall on opposite sides of the first axis.
    space_x = [points[m.pk]["x"] for m in world.space]
    romance_x = [points[m.pk]["x"] for m in world.romance]
    assert max(space_x) < min(romance_x) or max(romance_x) < min(space_x)
    assert sum(data["explained"]) <= 1 and data["explained"][0] > 0.5


def test_basis_is_cached_per_number_of_embedded_movies(world, django_assert_num_queries):
    taste._basis_cache.clear()
    first = taste.map_basis()
    with django_assert_num_queries(1):  # just the count: the basis comes from the cache
        assert taste.map_basis() is first
    MovieFactory(embedding=world.space[0].embedding)
    assert taste.map_basis() is not first


def test_movie_map_is_empty_without_embeddings(user):
    taste._basis_cache.clear()
    MovieFactory()
    assert movie_map(user=user) == {"points": [], "explained": [0.0, 0.0]}
    assert Decimal("0.5") == score_histogram(user=user)[0][0]
