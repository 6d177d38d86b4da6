from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import TokenAuthentication
from accounts.models import ApiToken
from accounts.services import api_token_create
from accounts.token_cache import api_tokens_uncache
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def authenticate(key: str):
    return TokenAuthentication().authenticate_credentials(key)


def test_a_token_authenticates_its_user_in_one_query(django_assert_num_queries):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    api_token_create(user=bob, name="Bob's phone")
    issued, key = api_token_create(user=alice, name="Alice's phone")
    issued.last_used = timezone.now()
    issued.save(update_fields=["last_used"])

    with django_assert_num_queries(1):
        user, token = authenticate(key)
        assert token.user is user

    assert (user.pk, user.username, user.email) == (alice.pk, "alice", alice.email)
    assert (token.pk, token.user_id, token.last_used) == (issued.pk, alice.pk, issued.last_used)
    assert not any(name.startswith("token_") for name in vars(user))
    # The rest is loaded when read: authenticating needs none of it.
    assert token.get_deferred_fields() == {"name", "key_prefix", "digest", "created"}
    assert (token.name, token.expires) == (issued.name, issued.expires)


def test_last_used_is_written_at_most_once_an_hour(django_assert_num_queries):
    issued, key = api_token_create(user=UserFactory(), name="Phone")
    assert issued.last_used is None

    with django_assert_num_queries(2):  # the lookup, and the first use recorded
        authenticate(key)
    first_use = ApiToken.objects.get().last_used
    assert first_use is not None
    api_tokens_uncache(digests=[ApiToken.digest_of(key)])  # the database's lookup again
    with django_assert_num_queries(1):
        authenticate(key)
    assert ApiToken.objects.get().last_used == first_use

    ApiToken.objects.update(last_used=first_use - timedelta(hours=1))
    with django_assert_num_queries(2):
        authenticate(key)
    assert ApiToken.objects.get().last_used > first_use


def test_only_a_digest_of_the_token_is_stored():
    issued, key = api_token_create(user=UserFactory(), name="Phone")
    row = ApiToken.objects.filter(pk=issued.pk).values().get()
    assert key not in {str(value) for value in row.values()}
    assert row["digest"] == ApiToken.digest_of(key) != key
    assert row["key_prefix"] == key[:8]


def test_an_unknown_token_is_refused():
    api_token_create(user=UserFactory(), name="Phone")
    with pytest.raises(AuthenticationFailed, match="Invalid or expired token"):
        authenticate("0" * 43)


def test_the_stored_digest_is_not_a_token():
    issued, _ = api_token_create(user=UserFactory(), name="Phone")
    with pytest.raises(AuthenticationFailed, match="Invalid or expired token"):
        authenticate(issued.digest)


def test_an_expired_token_is_refused():
    issued, key = api_token_create(user=UserFactory(), name="Phone")
    ApiToken.objects.filter(pk=issued.pk).update(expires=timezone.now())
    with pytest.raises(AuthenticationFailed, match="Invalid or expired token"):
        authenticate(key)


def test_the_token_of_a_deactivated_user_is_refused():
    _, key = api_token_create(user=UserFactory(is_active=False), name="Phone")
    with pytest.raises(AuthenticationFailed, match="User inactive or deleted"):
        authenticate(key)
