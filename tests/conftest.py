import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.db import connection

from movierec.celery import app as celery_app
from tests.factories import GenreFactory, MovieFactory, UserFactory, rate
from tests.waiting import wait_until

SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
ML_LATEST_SMALL = os.path.abspath(os.path.join(SHARED_DATA, "movielens", "ml-latest-small"))


@pytest.fixture(autouse=True)
def fresh_throttles(settings):
    """Throttle counters live in the Redis that every test process shares: each test counts
    under a key prefix of its own, so it starts with none and sees nobody else's."""
    ratelimit = {**settings.CACHES["ratelimit"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    settings.CACHES = {**settings.CACHES, "ratelimit": ratelimit}


@pytest.fixture
def throttle_rates(settings):
    """Set some throttle rates for one test, e.g. throttle_rates(anon="2/hour"). Per hour, not
    per minute: a slow test could straddle a window boundary, past which the sliding
    estimate lets one more request through."""

    def set_rates(**rates: str) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **rates},
        }

    return set_rates


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def signed_in(client, user):
    """The test client, signed in as `user`."""
    client.force_login(user)
    return client


@pytest.fixture
def other_user(db):
    return UserFactory(username="someone_else")


@pytest.fixture
def rated(user, other_user):
    """The user's one rating (Heat, 4.5), beside other people's."""
    mine = rate(user, MovieFactory(title="Heat", year=1995), "4.5")
    rate(other_user, mine.movie, "1.0")
    rate(other_user, MovieFactory(title="Not mine"))
    return mine


@pytest.fixture
def movie(db):
    return MovieFactory(title="Toy Story", year=1995, genres=[GenreFactory(name="Animation")])


def _test_database_url() -> str:
    """DATABASE_URL pointing at this session's test database, for child processes."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + connection.settings_dict["NAME"]).geturl()


@contextmanager
def celery_worker(
    queue: str, *, pool: tuple[str, ...] = ("-P", "solo"), env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process on `queue`, using the test database.

    Tasks sent from the test process go to that queue through the real Redis broker
    while it runs. Several may serve one queue in turn, e.g. a restart after a kill.
    `pool` and `env` (added to the environment) change the defaults: one process, solo.
    """
    node = f"{queue}.{uuid.uuid4().hex[:6]}@localhost"
    env = os.environ | {"DATABASE_URL": _test_database_url(), "LOG_LEVEL": "WARNING"} | (env or {})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "movierec.celery",
            "worker",
            *pool,
            "-Q",
            queue,
            "-n",
            node,
            "--without-mingle",
            "--without-gossip",
            "-l",
            "WARNING",
        ],
        env=env,
    )
    previous_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:

        def answers() -> list:
            if process.poll() is not None:
                pytest.fail(f"celery worker did not start (exit code {process.poll()})")
            return celery_app.control.ping(destination=[node], timeout=0.5)

        # The ping itself waits half a second for the answer.
        wait_until(answers, "the celery worker to answer a ping", timeout=60, interval=0)
        yield process
    finally:
        celery_app.conf.task_default_queue = previous_queue
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on its own queue, using the test database.

    Tasks sent from the test process go to that queue through the real Redis broker.
    Tests that use it need committed data: mark them django_db(transaction=True).
    """
    with celery_worker(f"test-{uuid.uuid4().hex[:10]}") as process:
        yield process
