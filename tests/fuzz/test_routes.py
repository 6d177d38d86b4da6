"""Every route of the site and the API, enumerated from the URL resolver, takes hostile
requests without a 5xx: NUL bytes in the path and the query string, non-finite numbers,
random bytes as a body, JSON nested far too deep, and an oversized body.

Seeded, so a failure repeats. Every fault is listed with the exception behind it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve

from tests.factories import MovieFactory, UserFactory, api_token_key, rate

SEED = 35
# Query parameters the views read; each gets hostile values in turn.
PARAMS = (
    "q", "page", "k", "friend", "with", "genre", "ordering", "sort", "min_score", "max_score",
    "year", "year_min", "year_max", "decade", "next", "format", "exclude_watchlist", "limit",
)  # fmt: skip
HOSTILE_VALUES = ("\x00", "a\x00b", "NaN", "nan", "sNaN", "-inf", "Infinity", "1e999", "")
METHODS = ("post", "put", "patch", "delete")
BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
DEEP_JSON = '{"username":' + "[" * 1000 + "]" * 1000 + "}"
# Routes whose 503 is their answer, not a fault: the health check without a worker.
MAY_ANSWER_503 = {"/healthz"}


@dataclass(frozen=True)
class Route:
    template: str  # "%(pk)s"-style, from the resolver's own reverse data
    params: tuple[str, ...]
    converters: dict


def _routes(resolver=None, prefix: str = "") -> list[Route]:
    resolver = resolver or get_resolver()
    routes = []
    for key, entries in resolver.reverse_dict.lists():
        if not isinstance(key, str):
            continue  # each route is also keyed by its view; the names are enough
        for possibilities, _pattern, _defaults, converters in entries:
            for template, params in possibilities:
                routes.append(Route(prefix + template, tuple(params), converters))
    for namespace_prefix, sub in resolver.namespace_dict.values():
        routes += _routes(sub, prefix + namespace_prefix)
    unique = {route.template: route for route in routes}
    return sorted(unique.values(), key=lambda route: route.template)


def _url(route: Route, values: dict[str, str]) -> str:
    return "/" + route.template % {name: quote(value, safe="") for name, value in values.items()}


def _resolvable(route: Route, candidates: list[str]) -> dict[str, str] | None:
    """Values for the route's parameters under which it resolves, if any."""
    for candidate in candidates:
        values = dict.fromkeys(route.params, candidate)
        try:
            resolve(_url(route, values).split("?")[0])
        except Resolver404:
            continue
        return values
    return None


@pytest.fixture
def world(db):
    staff = UserFactory(username="fuzzer", is_staff=True, is_superuser=True)
    movie = MovieFactory(title="Heat", year=1995)
    rate(staff, movie, "4.5")
    return staff, movie


def _clients(staff) -> dict[str, Client]:
    # Exceptions become 500 responses, so that one run lists every fault.
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(staff)
    token = Client(
        raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {api_token_key(staff)}"
    )
    return {
        "anonymous": Client(raise_request_exception=False),
        "session": signed_in,
        "token": token,
    }


def _hostile_requests(route: Route, values: dict[str, str], rng: random.Random):
    """(method, url, body, content type) of each hostile request for one route."""
    url = _url(route, values)
    query = urlencode({name: rng.choice(HOSTILE_VALUES) for name in rng.sample(PARAMS, 6)})
    yield "get", f"{url}?{query}", None, None
    yield "get", f"{url}?{urlencode(dict.fromkeys(PARAMS, chr(0)))}", None, None
    for name in route.params:
        if route.converters.get(name).__class__.__name__ != "IntConverter":
            yield "get", _url(route, {**values, name: values[name] + "\x00"}), None, None
    yield rng.choice(METHODS), url, rng.randbytes(rng.randint(1, 2048)), rng.choice(BODY_TYPES)
    yield rng.choice(METHODS), url, DEEP_JSON, "application/json"
    yield "post", url, '{"score": NaN, "password": "' + "x" * 5000 + '"}', "application/json"


def test_no_route_answers_5xx_to_hostile_requests(world):
    staff, movie = world
    routes = _routes()
    assert len(routes) > 60, "the resolver should list every route"
    rng = random.Random(SEED)
    candidates = [str(movie.pk), staff.username, "1", "accounts", "user", "x"]
    clients = _clients(staff)
    tried, faults = 0, []
    for route in routes:
        values = _resolvable(route, candidates)
        if values is None:
            continue
        # Anonymous, and signed in the way the route is meant to be used.
        signed_in = "token" if route.template.startswith("api/") else "session"
        for name in ("anonymous", signed_in):
            for method, url, body, content_type in _hostile_requests(route, values, rng):
                kwargs = {} if body is None else {"data": body, "content_type": content_type}
                response = getattr(clients[name], method)(url, **kwargs)
                tried += 1
                if response.status_code >= 500 and not (
                    response.status_code == 503 and url.split("?")[0] in MAY_ANSWER_503
                ):
                    error = getattr(response, "exc_info", None)
                    reason = repr(error[1])[:200] if error else ""
                    faults.append(
                        f"{name} {method.upper()} {url[:100]!r}: {response.status_code} {reason}"
                    )
    assert tried > 1000
    assert not faults, "\n".join(faults)
