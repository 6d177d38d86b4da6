"""Nothing lost under concurrency: many API clients rate the same and different movies
at once, over real HTTP against the live server (one thread and database connection
per request on the server side)."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
from django.db.models import Count, Sum

from catalog.models import Movie
from ratings.models import Rating
from tests.factories import MovieFactory, UserFactory, api_token_key

USERS = 12
REQUESTS_PER_CLIENT = 20  # under the default 300/minute per-user throttle
SCORES = [str(Decimal(n) / 2) for n in range(1, 11)]


@pytest.fixture
def catalogue(transactional_db):
    return [MovieFactory() for _ in range(6)]


def client_session(user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {api_token_key(user)}"
    return session


def rate_many(live_server, session, movies, seed: int, start: threading.Barrier):
    """PUT random scores, mostly on the first two movies (hot rows); the last score
    sent per movie and every status code."""
    rng = random.Random(seed)
    last: dict[int, str] = {}
    statuses = []
    start.wait()
    for _ in range(REQUESTS_PER_CLIENT):
        movie = movies[0] if rng.random() < 0.4 else rng.choice(movies)
        score = rng.choice(SCORES)
        response = session.put(
            f"{live_server.url}/api/v1/movies/{movie.pk}/rating/", json={"score": score}, timeout=30
        )
        statuses.append(response.status_code)
        if response.status_code == 200:
            last[movie.pk] = score
    return last, statuses


def assert_counters_exact() -> None:
    for movie in Movie.objects.annotate(n=Count("ratings"), total=Sum("ratings__score")):
        assert (movie.rating_count, movie.rating_sum) == (movie.n, movie.total or 0), movie


def test_concurrent_ratings_keep_one_row_per_user_and_exact_counters(live_server, catalogue):
    users = [UserFactory() for _ in range(USERS)]
    sessions = [client_session(user) for user in users]
    start = threading.Barrier(USERS)
    with ThreadPoolExecutor(USERS) as pool:
        results = list(
            pool.map(
                lambda i: rate_many(live_server, sessions[i], catalogue, i, start), range(USERS)
            )
        )

    statuses = [status for _, codes in results for status in codes]
    assert statuses.count(200) == len(statuses), sorted(set(statuses))
    for user, (last, _) in zip(users, results, strict=True):
        stored = dict(Rating.objects.filter(user=user).values_list("movie_id", "score"))
        assert stored == {movie_id: Decimal(score) for movie_id, score in last.items()}
    assert_counters_exact()


def test_one_user_rating_one_movie_from_two_clients_leaves_one_rating(live_server, catalogue):
    """The unique (user, movie) insert race: both clients may see no rating yet."""
    user, movie = UserFactory(), catalogue[0]
    sessions = [client_session(user), client_session(UserFactory())]
    sessions[1].headers = sessions[0].headers  # two connections, one user
    start = threading.Barrier(2)

    def hammer(session, scores):
        start.wait()
        url = f"{live_server.url}/api/v1/movies/{movie.pk}/rating/"
        return [session.put(url, json={"score": s}, timeout=30).status_code for s in scores]

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(hammer, sessions, [["1.0", "2.0"] * 8, ["4.0", "5.0"] * 8]))

    assert all(code == 200 for batch in codes for code in batch), codes
    rating = Rating.objects.get(user=user, movie=movie)
    assert rating.score in {Decimal("2.0"), Decimal("5.0")}  # one client's last write
    assert_counters_exact()
