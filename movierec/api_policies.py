"""Pagination and throttling of the JSON API, as named in settings.REST_FRAMEWORK.

Apart from movierec/api.py because DRF's views import these classes while they are being
imported themselves, so this module must not import DRF's views (nor drf-spectacular).
"""

from rest_framework import pagination
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

# --- Pagination ------------------------------------------------------------------------


class PageNumberPagination(pagination.PageNumberPagination):
    """?page=N (from 1) and ?page_size=N (at most 100); a page past the end is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 100


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
