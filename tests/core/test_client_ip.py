"""core.client_ip: whose address a request comes from, for the throttles and django-axes."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.client_ip import client_ip
from tests.movierec.test_settings import run_django

PROXY = "192.0.2.1"


def address(settings, proxies: int, forwarded: str | None, remote_addr: str = PROXY) -> str:
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    assert address(settings, 0, "198.51.100.7") == PROXY


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # The client wrote the leftmost entries itself; each trusted proxy appended one.
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 192.0.2.50", "198.51.100.7"),
        # Fewer entries than proxies: the request skipped the outer proxies.
        (3, "198.51.100.7,192.0.2.50", "198.51.100.7"),
        (1, "2001:DB8::0001", "2001:db8::1"),
    ],
)
def test_behind_proxies_the_client_is_that_many_entries_from_the_right(
    settings, proxies, forwarded, expected
):
    assert address(settings, proxies, forwarded) == expected


@pytest.mark.parametrize("forwarded", [None, "", " , ", "not-an-address", "198.51.100.7:443"])
def test_a_missing_or_malformed_header_falls_back_to_the_peer(settings, forwarded):
    assert address(settings, 1, forwarded) == PROXY


def test_trusted_proxy_count_comes_from_the_environment():
    code = (
        "from django.conf import settings; "
        "print(settings.TRUSTED_PROXY_COUNT, settings.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    result = run_django(code, {"TRUSTED_PROXY_COUNT": "2"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "2"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("one", "TRUSTED_PROXY_COUNT='one' is not an integer"),
        ("-1", "TRUSTED_PROXY_COUNT=-1 must be 0 (no proxy) or more"),
    ],
)
def test_a_bad_trusted_proxy_count_stops_start_up(value, message):
    result = run_django("", {"TRUSTED_PROXY_COUNT": value})
    assert result.returncode != 0
    assert message in result.stderr
