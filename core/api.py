"""What every endpoint of the JSON API shares: the error format, query validation and the
OpenAPI schema class; pagination and throttles are in core/api_policies.py. The URL tree
is in movierec/api_urls.py; docs/api.md is the guide.

Every error, whatever raised it (a serializer, a service's Django ValidationError, a 404, a
failed authentication, a throttle, an unknown URL), leaves as

    {"error": {"code": "...", "message": "...", "fields": {"field": ["message", ...]}}}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from core.api_policies import reject_repeated_query_params

# --- Error format ----------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """A JSON string and nothing else. DRF's CharField turns 12345 into "12345", which the
    contract (`type: string`) does not allow; a password or a name sent as a number is a
    client bug, better answered with a 400 than guessed at (an account whose password is
    whatever str() made of a float)."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable, machine-readable: invalid, not_found, not_authenticated, "
        "authentication_failed, permission_denied, throttled, locked_out, method_not_allowed, "
        "parse_error, unsupported_media_type, file_too_large, ..."
    )
    message = serializers.CharField(help_text="For people; may change between releases.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per invalid input field (nested fields are dotted: items.0.score); "
        "empty unless code is invalid.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Invalid input",
            value={
                "error": {
                    "code": "invalid",
                    "message": "Some fields are invalid: score.",
                    "fields": {"score": ["Invalid score '4.3': 4.3 is not a half-star score."]},
                }
            },
        ),
        OpenApiExample(
            "Not found",
            value={"error": {"code": "not_found", "message": "No movie 42.", "fields": {}}},
        ),
    ]
)
class ErrorSerializer(serializers.Serializer):
    """The one error body of the API."""

    error = ErrorDetailSerializer()


def _flatten(detail: Any, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """(field path, messages) pairs out of DRF's nested error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list) and all(isinstance(item, str) for item in detail):
        if detail:
            yield prefix, [str(item) for item in detail]
    elif isinstance(detail, list):  # one entry per item of a list field
        for index, item in enumerate(detail):
            yield from _flatten(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        yield prefix, [str(detail)]


def _validation_error_body(exc: ValidationError) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    for path, messages in _flatten(exc.detail):
        if path in ("", api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS):
            general.extend(messages)
        else:
            fields.setdefault(path, []).extend(messages)
    message = " ".join(general) or f"Some fields are invalid: {', '.join(fields)}."
    return {"code": "invalid", "message": message, "fields": fields}


def error_body(exc: APIException) -> dict[str, Any]:
    if isinstance(exc, ValidationError):
        return _validation_error_body(exc)
    code = exc.get_codes()
    return {
        "code": code if isinstance(code, str) else exc.default_code,
        "message": str(exc.detail) if isinstance(exc.detail, str) else str(exc.default_detail),
        "fields": {},
    }


class DatabaseUnavailable(APIException):
    """The database is down or restarting. No view raises it: core.middleware answers an
    OperationalError or InterfaceError escaping an API view with its body."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"
    default_detail = "The database is temporarily unavailable; please try again shortly."


class RequestTooLarge(APIException):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE; core.middleware answers it before anything
    reads the body."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "The request body is larger than this site accepts."


class InvalidUrl(APIException):
    """A NUL character in the path or the query string, which no address or query holds;
    core.middleware answers it before any view sees the request."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_url"
    default_detail = "The URL contains a NUL character."


def _as_api_exception(exc: Exception) -> Exception:
    """Services raise Django's ValidationError (field messages keep their fields); Django's
    Http404 and PermissionDenied become DRF's, as DRF's own handler would make them."""
    if isinstance(exc, DjangoValidationError):
        return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        return NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return PermissionDenied(*exc.args)
    return exc


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler (status code, WWW-Authenticate, Retry-After, rollback) with our body."""
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        # Not an API error: Django's handling takes over, where core.middleware answers a
        # database outage with DatabaseUnavailable and anything else is a logged 500.
        return None
    response.data = {"error": error_body(exc)}
    return response


# --- Query parameters ------------------------------------------------------------------


def query_params(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """The request's query string, validated by `serializer_class` (400 when invalid)."""
    # A plain dict, not the QueryDict: DRF reads an empty form value of an optional field
    # as absent, so `?k=` would quietly mean the default rather than a 400.
    reject_repeated_query_params(request, request.query_params.keys())
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- OpenAPI ---------------------------------------------------------------------------


class ApiSchema(AutoSchema):
    """Documents the error responses every operation can give, in the one error format, so
    that views declare only their own successes and special errors."""

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for status_code, description in self._error_statuses().items():
            if status_code not in responses:
                responses[status_code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description),
                    status_code,
                    direction=direction,
                )
        return responses

    def _error_statuses(self) -> dict[str, str]:
        unsafe = self.method not in SAFE_METHODS
        restricted = not all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        statuses = {}
        paginated = self._is_list_view() and self._get_paginator() is not None
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer()
        if has_body or self.get_override_parameters() or paginated:
            statuses["400"] = "Invalid input; `fields` says which."
        # An invalid token fails authentication even where none is needed.
        statuses["401"] = "Missing, invalid or revoked credentials."
        if restricted or unsafe:  # unsafe: the CSRF check of session authentication
            statuses["403"] = "Not allowed for these credentials."
        if "{" in self.path or paginated:
            statuses["404"] = "No such object, or a page past the end."
        statuses["429"] = "Throttled; the Retry-After header says for how many seconds."
        return statuses
