"""Clients and helpers for the JSON API tests: real database, real services, no mocks."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Movie
from tests.factories import GenreFactory, MovieFactory, UserFactory, api_token_key

# The recommender tests' synthetic world and model, for the recommendation endpoints.
from tests.recommendations.conftest import trained, world  # noqa: F401

V1 = "/api/v1"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(user)}")
    return client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def as_alice(alice) -> APIClient:
    return token_client(alice)


@pytest.fixture
def as_bob(bob) -> APIClient:
    return token_client(bob)


@pytest.fixture
def movies(db) -> dict[str, Movie]:
    """Five visible movies over three genres and four decades, plus a hidden one."""
    drama, comedy, crime = (GenreFactory(name=n) for n in ("Drama", "Comedy", "Crime"))
    catalogue = {
        "godfather": MovieFactory(title="The Godfather", year=1972, genres=[crime, drama]),
        "heat": MovieFactory(title="Heat", year=1995, genres=[crime]),
        "groundhog": MovieFactory(title="Groundhog Day", year=1993, genres=[comedy]),
        "amelie": MovieFactory(title="Amélie", year=2001, genres=[comedy, drama]),
        "undated": MovieFactory(title="Untitled Project", year=None, genres=[drama]),
        "hidden": MovieFactory(title="Withdrawn Film", year=1999, genres=[drama], is_hidden=True),
    }
    return catalogue


def error_of(response, status: int, code: str) -> dict:
    """The body of an API error, after checking its status, code and the one error shape."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert all(isinstance(m, str) for messages in error["fields"].values() for m in messages)
    return error
