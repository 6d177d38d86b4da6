"""Pagination and throttling of the JSON API, as named in settings.REST_FRAMEWORK.

Apart from core/api.py because DRF's views import these classes while they are being
imported themselves, so this module must not import DRF's views (nor drf-spectacular).
"""

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

# --- Pagination ------------------------------------------------------------------------


def reject_repeated_query_params(request, names) -> None:
    """`?page=1&page=2` is ambiguous (Django would quietly take the last); refuse it."""
    repeated = sorted(name for name in names if len(request.query_params.getlist(name)) > 1)
    if repeated:
        raise ValidationError({name: ["Give this parameter once."] for name in repeated})


class PageNumberPagination(pagination.PageNumberPagination):
    """?page=N (from 1) and ?page_size=N (1 to 100); a page past the end is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_number(self, request, paginator) -> str:
        reject_repeated_query_params(request, [self.page_query_param])
        # DRF reads an empty ?page= as page 1; it is as invalid as ?page=abc (a 404).
        if request.query_params.get(self.page_query_param) == "":
            raise NotFound(self.invalid_page_message.format(page_number="", message="empty"))
        return super().get_page_number(request, paginator)

    def get_page_size(self, request) -> int:
        reject_repeated_query_params(request, [self.page_size_query_param])
        # DRF quietly falls back to the default for a bad page_size; a client is better
        # served by the same 400 as for any other bad parameter.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdecimal() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


# --- Throttling ------------------------------------------------------------------------


class _CurrentRates:
    """DRF copies the rates into a class attribute at import time; reading them per request
    lets changed settings (tests, override_settings) apply."""

    @property
    def THROTTLE_RATES(self) -> dict[str, str]:
        return api_settings.DEFAULT_THROTTLE_RATES


class AnonThrottle(_CurrentRates, AnonRateThrottle):
    """Per client IP address, for requests without credentials (scope `anon`)."""


class UserThrottle(_CurrentRates, UserRateThrottle):
    """Per signed-in user (scope `user`)."""


class ScopedThrottle(_CurrentRates, ScopedRateThrottle):
    """The view's `throttle_scope`, e.g. `token` for endpoints that take a password."""
