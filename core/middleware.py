"""Middleware of the whole site: request metrics, and database outages answered with 503."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from core import metrics
from core.api import DatabaseUnavailable, error_body

logger = logging.getLogger(__name__)

# A restart takes seconds; clients that wait this long will likely find it back.
RETRY_AFTER_SECONDS = 10


class MetricsMiddleware:
    """Counts and times every response by its route's name (bounded, unlike paths).

    First in MIDDLEWARE, so the time includes the other middleware and an error page
    is counted with its status: Django turns an exception into a response before it
    gets back here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        method = metrics.http_request_started(method=request.method)
        response = self.get_response(request)
        match = request.resolver_match
        metrics.http_request_finished(
            view=match.view_name if match else metrics.UNMATCHED_VIEW,
            method=method,
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response


class DatabaseUnavailableMiddleware:
    """A database outage (down, restarting, refusing connections) answers 503 with Retry-After
    rather than a 500 traceback page. Recovery needs nothing here: the health check of reused
    connections (CONN_HEALTH_CHECKS, core.postgresql) makes the next request replace a dead
    connection."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # One line: psycopg's messages span several, and a traceback says nothing new.
        reason = " ".join(str(exception).split())
        logger.warning(
            "Database unavailable, %s %s answered 503: %s", request.method, request.path, reason
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"error": error_body(DatabaseUnavailable())}, status=503)
        else:
            # No request, so no context processors: they would look the user up in the database.
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # Logged above; Django would log every 503 of an outage again, at ERROR.
        response._has_been_logged = True
        return response
