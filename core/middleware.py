"""Middleware of the whole site: request metrics, hostile requests answered 400/413 before
anything reads them, the Content-Security-Policy header, and database outages answered
with 503."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import csp.middleware
from csp.constants import HEADER
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework.exceptions import APIException

from core import metrics
from core.api import DatabaseUnavailable, InvalidUrl, RequestTooLarge, error_body

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


# What a view or a decorator (csp_update, csp_replace, csp_exempt, ...) sets on a response
# to change its policy; such responses are built by django-csp as they come.
_PER_RESPONSE_POLICY = tuple(
    f"_csp_{change}{suffix}"
    for change in ("config", "update", "replace", "exempt")
    for suffix in ("", "_ro")
)
# The settings' policy as a header value, built on first use.
_settings_policy: list[str] = []


@receiver(setting_changed)
def _settings_policy_forget(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _settings_policy.clear()


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the header of a response that uses no nonce and no
    per-view policy built once per process rather than per response.

    Such a response (every JSON response, and pages without inline scripts) gets the
    settings' policy, the same string each time: django-csp rebuilt it from the settings
    on every response (docs/benchmarks.md "Load"). The rest, report-only policies and
    excluded prefixes included, goes through django-csp unchanged.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        if (
            not policy
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE_POLICY)
            or HEADER in response
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or policy.get("EXCLUDE_URL_PREFIXES")
            or settings.DEBUG
        ):
            return super().process_response(request, response)
        if not _settings_policy:
            _settings_policy.append(csp.middleware.build_policy())
        response[HEADER] = _settings_policy[0]
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


def error_response(request: HttpRequest, exc: APIException, template: str) -> HttpResponse:
    """`exc` in the API's error format under /api/, else its page (`template`, rendered
    without the request: context processors would look the user up in the database)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": error_body(exc)}, status=exc.status_code)
    return HttpResponse(render_to_string(template), status=exc.status_code)


def _has_nul(request: HttpRequest) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def _body_too_large(request: HttpRequest) -> bool:
    """A declared body over DATA_UPLOAD_MAX_MEMORY_SIZE. Multipart uploads are left to
    Django and their view: their files go to disk as they arrive, within their own limit."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django reads an unreadable length as no body
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is not None and length > limit and request.content_type != "multipart/form-data"


class RequestLimitsMiddleware:
    """Requests no view could serve, answered before any view, parser or form reads them:
    a NUL character in the path or query string (PostgreSQL refuses it in text, and views
    would each have to say so) is a 400, and a body over DATA_UPLOAD_MAX_MEMORY_SIZE a 413
    (Django would raise RequestDataTooBig wherever it was first read)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return error_response(request, InvalidUrl(), "400.html")
        if _body_too_large(request):
            return error_response(request, RequestTooLarge(), "413.html")
        return self.get_response(request)


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
        response = error_response(request, DatabaseUnavailable(), "503.html")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # Logged above; Django would log every 503 of an outage again, at ERROR.
        response._has_been_logged = True
        return response
