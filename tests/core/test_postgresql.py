"""The health check of reused connections: no round trip while the connection is quiet,
Django's real check (and a reconnect) once the server has dropped it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoDatabaseWrapper

from core.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture
def reused() -> Iterator[DatabaseWrapper]:
    """A second connection to the test database, kept from one request to the next."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


@pytest.fixture
def real_checks(monkeypatch) -> list[bool]:
    """The results of Django's own health checks (SELECT 1) as they happen."""
    results: list[bool] = []

    def is_usable(self) -> bool:
        results.append(DjangoDatabaseWrapper.is_usable(self))
        return results[-1]

    monkeypatch.setattr(DatabaseWrapper, "is_usable", is_usable)
    return results


def next_request(wrapper: DatabaseWrapper) -> int:
    """What a request does with the connection: the start-of-request bookkeeping, then a query
    (whose cursor runs the health check). Returns the backend's pid."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_settings_select_this_backend():
    assert isinstance(connections["default"], DatabaseWrapper)
    assert connection.health_check_enabled


def test_a_quiet_connection_is_reused_without_a_round_trip(reused, real_checks):
    first = next_request(reused)

    assert [next_request(reused) for _ in range(3)] == [first] * 3
    assert real_checks == []


def test_a_connection_the_server_dropped_is_replaced_before_the_query(reused, real_checks):
    dropped = next_request(reused)
    with connection.cursor() as cursor:
        # Waits (up to 5 s) until the backend is gone, as after a restart.
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [dropped])
        assert cursor.fetchone() == (True,)

    replacement = next_request(reused)  # no error: the check reconnected first

    assert replacement != dropped
    assert real_checks == [False]


def test_a_query_run_five_times_is_prepared_on_the_server():
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT %s::int + 1", [41])
        assert cursor.fetchone() == (42,)
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        assert "SELECT $1::int + 1" in [statement for (statement,) in cursor.fetchall()]
