"""The database restarts under the app: requests fail cleanly (503) while it is away and the
next request after it is back works, in the same web process. Real PostgreSQL backends are
terminated; only this xdist worker's test database is touched, never the shared server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from wsgiref.simple_server import WSGIRequestHandler, make_server

import psycopg
import pytest
import requests
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

from core.middleware import RETRY_AFTER_SECONDS
from tests.api.conftest import V1
from tests.factories import UserFactory, api_token_key

pytestmark = pytest.mark.django_db(transaction=True)  # the server thread sees committed data


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    """The site's base URL, served by one thread that keeps its database connection from
    request to request as a gunicorn worker thread does (live_server connects per request,
    so it would never meet a dead connection)."""
    server = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=QuietRequestHandler)

    def serve() -> None:
        server.serve_forever()
        connections.close_all()  # the thread's own; the test database is dropped at the end

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


class OwnDatabase:
    """Restarts and outages of this worker's test database, through the `postgres` database."""

    def __init__(self) -> None:
        self.name = connection.settings_dict["NAME"]

    def _admin(self) -> psycopg.Connection:
        params = connection.get_connection_params() | {"dbname": "postgres", "autocommit": True}
        params.pop("cursor_factory", None)
        params.pop("context", None)
        return psycopg.connect(**params)

    def terminate_backends(self) -> int:
        """What a restart does to open connections: every one of them dies."""
        with self._admin() as admin:
            terminated = admin.execute(
                # Waits (up to 5 s) for each backend to be gone, as a restart would.
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.name],
            ).fetchall()
        connection.close()  # the test's own was one; flushing at teardown needs a fresh one
        return len(terminated)

    @contextmanager
    def down(self) -> Iterator[None]:
        """The database away: open connections killed and new ones refused, until the end."""
        with self._admin() as admin:
            admin.execute(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false')
        try:
            self.terminate_backends()
            yield
        finally:
            with self._admin() as admin:
                admin.execute(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true')
            connection.close()


@pytest.fixture
def database() -> OwnDatabase:
    return OwnDatabase()


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


@pytest.fixture
def token_headers(carol) -> dict[str, str]:
    return {"Authorization": f"Token {api_token_key(carol)}"}


@pytest.fixture
def session_cookies(carol, client) -> dict[str, str]:
    """A signed-in browser's cookies: its session is in the database too."""
    client.force_login(carol)
    return {name: morsel.value for name, morsel in client.cookies.items()}


def get(site: str, path: str, headers=None, cookies=None) -> requests.Response:
    return requests.get(site + path, headers=headers, cookies=cookies, timeout=10)


def test_next_request_after_a_restart_works(site, database, token_headers):
    assert get(site, f"{V1}/me/", token_headers).status_code == 200  # the thread connects

    assert database.terminate_backends() >= 1  # the server thread's connection among them

    response = get(site, f"{V1}/me/", token_headers)
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "carol"


def test_requests_fail_cleanly_while_the_database_is_down_then_work_again(
    site, database, token_headers, session_cookies, caplog
):
    assert get(site, "/").status_code == 200

    with database.down():
        api = get(site, f"{V1}/me/", token_headers)
        pages = [get(site, "/"), get(site, "/", cookies=session_cookies)]

    assert api.status_code == 503
    assert api.headers["Content-Type"] == "application/json"
    assert api.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    error = api.json()["error"]
    assert error["code"] == "database_unavailable"
    assert error["message"] and error["fields"] == {}

    for page in pages:
        assert page.status_code == 503
        assert page.headers["Content-Type"].startswith("text/html")
        assert page.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "temporarily unavailable" in page.text

    # One warning line per failed request: no errors, no tracebacks.
    assert [(r.name, r.levelname) for r in caplog.records if r.levelno >= logging.WARNING] == [
        ("core.middleware", "WARNING")
    ] * 3
    assert not [r for r in caplog.records if r.exc_info]

    assert get(site, f"{V1}/me/", token_headers).json()["username"] == "carol"
    signed_in = get(site, "/", cookies=session_cookies)
    assert signed_in.status_code == 200
    assert "carol" in signed_in.text
