import pytest

from tests.factories import MovieFactory, PublicUserFactory


@pytest.fixture
def ann(db):
    return PublicUserFactory(username="ann")


@pytest.fixture
def ben(db):
    return PublicUserFactory(username="ben")


@pytest.fixture
def film(db):
    return MovieFactory(title="Spirited Away", year=2001)
