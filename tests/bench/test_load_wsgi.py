"""bench load's WSGI application: the bare baseline view beside the site, in one process."""

import json
import sys
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "server"))
import load_wsgi  # noqa: E402  (gunicorn finds it through --pythonpath, as here)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """What Django's test client does: a request must not close the connection that holds
    the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _call(path: str) -> tuple[str, dict[str, str], bytes]:
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(load_wsgi.application(environ, start_response))
    return answer["status"], answer["headers"], body


def test_the_bare_view_answers_without_any_middleware():
    status, headers, body = _call(load_wsgi.BARE_PATH)
    assert status == "200 OK"
    assert json.loads(body) == {"ok": True}
    # None of the site's middleware ran: no CSP, no frame options, no CORS vary.
    assert "Content-Security-Policy" not in headers
    assert "X-Frame-Options" not in headers


def test_every_other_path_is_the_site_with_its_middleware():
    status, headers, body = _call("/api/v1/genres/")
    assert status == "200 OK"
    assert json.loads(body) == []
    assert "Content-Security-Policy" in headers and headers["X-Frame-Options"] == "DENY"


def test_only_the_bare_path_itself_is_bare():
    status, headers, _ = _call(load_wsgi.BARE_PATH + "x/")
    assert status == "404 Not Found"
    assert "Content-Security-Policy" in headers
