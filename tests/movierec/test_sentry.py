"""SENTRY_DSN: an exception in a view reaches the Sentry server named by the DSN.

The server is a local HTTP listener that records what the real SDK sends."""

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.movierec.test_settings import run_django

# A view that fails, served through the settings' own middleware and Sentry integration.
RAISING_VIEW = """
import types, sentry_sdk
from django.test import Client, override_settings
from django.urls import include, path

def broken(request):
    raise RuntimeError("the projector caught fire")

urls = types.ModuleType("broken_urls")
# The site's own URLs too: its 500 page links home.
urls.urlpatterns = [path("broken/", broken), path("", include("movierec.urls"))]
with override_settings(ROOT_URLCONF=urls):
    client = Client(raise_request_exception=False, HTTP_HOST="localhost")
    status = client.get("/broken/").status_code
sentry_sdk.flush(timeout=10)
print(status)
"""


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_an_exception_in_a_view_is_reported():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_port}/42"
        result = run_django(RAISING_VIEW, {"SENTRY_DSN": dsn, "SENTRY_ENVIRONMENT": "staging"})
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("500")
    events = [body for path, body in _Recorder.received if path == "/api/42/envelope/"]
    assert any(b"the projector caught fire" in body for body in events), _Recorder.received
    reported = next(body for body in events if b"the projector caught fire" in body)
    assert b'"environment":"staging"' in reported
    assert b'"django"' in reported  # through the Django integration
