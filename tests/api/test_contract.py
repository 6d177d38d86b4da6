"""Contract test: Schemathesis fuzzes every operation of the live /api/schema/, with data
that fits the schema and data that does not, and checks that nothing answers 5xx, that
every response (status, content type, headers, body) is one the schema documents, and
that schema-violating requests are refused.

Left out: deleting the account and revoking tokens, which could end the run's own
session, and queueing a training, which would send Celery tasks nobody consumes. The
server is pytest-django's live_server over committed data: the two-taste world of the
recommender tests with a trained model, so the recommendation endpoints answer from a
real model.
"""

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalog import embedding
from social.services import (
    diary_entry_create,
    follow,
    list_entry_add,
    movie_list_create,
    review_like,
)
from tests.factories import (
    PublicUserFactory,
    UserFactory,
    WatchlistItemFactory,
    api_token_key,
    rate,
)

EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def contract_token(world, trained, throttle_rates) -> str:
    """A staff user (so the staff endpoints answer 200 too) with a few ratings and lists."""
    # Hundreds of requests in a minute: the throttles are not what is tested here.
    throttle_rates(
        anon="100000/minute",
        user="100000/minute",
        token="100000/minute",
        social_write="100000/minute",
    )
    user = UserFactory(username="contract", is_staff=True, allow_group_recommendations=True)
    for movie, score in zip(world.space[:3], ("5.0", "4.5", "2.0"), strict=True):
        rate(user, movie, score)
    WatchlistItemFactory(user=user, movie=world.romance[0])
    # Something of each social kind, so their endpoints answer with bodies, not only 404s.
    entry = diary_entry_create(
        user=user, movie_id=world.space[0].pk, watched_on=date(2026, 1, 2), review="Fine."
    )
    friend = PublicUserFactory(username="friend")
    follow(follower=user, followee=friend)
    review_like(user=friend, review=entry.review)
    movie_list = movie_list_create(user=friend, name="Space", visibility="unlisted")
    list_entry_add(movie_list=movie_list, movie_id=world.space[1].pk, note="Best")
    # Load the search model now, so that the first search does not run into the deadline.
    embedding.encode(["warm up"])
    return api_token_key(user)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_its_contract(live_server, contract_token):
    schema = (
        schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
        .exclude(path="/api/v1/me/delete/")
        .exclude(path="/api/v1/auth/token/", method="DELETE")
        .exclude(path="/api/v1/auth/tokens/", method="DELETE")
        .exclude(path="/api/v1/auth/tokens/{token_id}/", method="DELETE")
        .exclude(path="/api/v1/admin/retrain/")
    )
    headers = {"Authorization": f"Token {contract_token}"}
    failures, tested = [], []
    # One Hypothesis run per operation rather than schemathesis' pytest integration, whose
    # lazy fixture loader relies on pytest internals that pytest 9.2 removed.
    for result in schema.get_all_operations():
        operation = result.ok()
        tested.append(operation.label)
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=cases)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=timedelta(seconds=5),
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def keeps_the_contract(case):
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

        try:
            keeps_the_contract()
        except Exception as exc:  # every operation runs; all failures are reported together
            failures.append(f"{operation.label}: {exc}")
    assert len(tested) >= 55, tested  # every operation but the ones left out
    assert not failures, "\n\n".join(failures)
