"""The API token lookup cached in Redis (accounts.token_cache): a cached lookup costs no
query, and every change that could make it wrong ends it before the next request."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed

from accounts import authentication
from accounts.authentication import TokenAuthentication
from accounts.models import ApiToken
from accounts.selectors import api_token_user_get
from accounts.services import api_token_create, api_token_revoke, api_token_revoke_all, user_delete
from accounts.token_cache import TOKEN_CACHE_SECONDS, api_token_cache_add
from social.services import user_suspend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def authenticate(key: str):
    return TokenAuthentication().authenticate_credentials(key)


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def cached(alice, django_assert_num_queries):
    """A key of alice's whose lookup is cached: the first use queries and records the use."""
    _, key = api_token_create(user=alice, name="Phone")
    with django_assert_num_queries(2):
        authenticate(key)
    return key


def test_a_cached_lookup_costs_no_query(alice, cached, django_assert_num_queries):
    with django_assert_num_queries(0):
        user, token = authenticate(cached)
    assert (user.pk, user.username, user.is_active) == (alice.pk, "alice", True)
    assert token.user is user
    assert (token.pk, token.expires) == ApiToken.objects.values_list("pk", "expires").get()


def test_a_revoked_token_is_refused_at_once(alice, cached):
    api_token_revoke(user=alice, token_id=ApiToken.objects.get().pk)
    with pytest.raises(AuthenticationFailed, match="Invalid or expired token"):
        authenticate(cached)


def test_revoking_all_tokens_ends_every_cached_lookup_but_the_kept_one(alice, cached):
    _, kept_key = api_token_create(user=alice, name="Tablet")
    _, kept = authenticate(kept_key)  # cached too
    api_token_revoke_all(user=alice, keep=kept)
    with pytest.raises(AuthenticationFailed, match="Invalid or expired token"):
        authenticate(cached)
    assert authenticate(kept_key)[0].pk == alice.pk


def test_a_deleted_account_is_refused_at_once(alice, cached):
    user_delete(user=alice)
    with pytest.raises(AuthenticationFailed, match="Invalid or expired token"):
        authenticate(cached)


def test_a_suspended_account_is_refused_at_once(alice, cached):
    user_suspend(user=alice)  # an update that sends no signal
    with pytest.raises(AuthenticationFailed, match="User inactive or deleted"):
        authenticate(cached)


def test_a_deactivated_account_is_refused_at_once(alice, cached):
    alice.is_active = False
    alice.save()
    with pytest.raises(AuthenticationFailed, match="User inactive or deleted"):
        authenticate(cached)


def test_a_saved_account_is_read_again(alice, cached):
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    assert authenticate(cached)[0].is_staff


def test_a_sign_in_keeps_the_cached_lookups(alice, cached, django_assert_num_queries):
    alice.last_login = timezone.now()
    alice.save(update_fields=["last_login"])  # what every sign-in saves
    with django_assert_num_queries(0):
        authenticate(cached)


def test_a_cached_token_is_refused_once_it_expires(cached, monkeypatch):
    expires = ApiToken.objects.get().expires
    monkeypatch.setattr(authentication.timezone, "now", lambda: expires)
    with pytest.raises(AuthenticationFailed, match="Invalid or expired token"):
        authenticate(cached)


def test_a_lookup_read_before_a_revocation_cannot_cache_the_revoked_token(alice):
    issued, key = api_token_create(user=alice, name="Phone")
    now = timezone.now()
    user, token = api_token_user_get(digest=issued.digest, now=now)  # a request reads...
    api_token_revoke(user=alice, token_id=issued.pk)  # ...another revokes...
    api_token_cache_add(digest=issued.digest, user=user, token=token, now=now)  # ...too late
    with pytest.raises(AuthenticationFailed, match="Invalid or expired token"):
        authenticate(key)


def test_the_hourly_record_of_use_ends_the_cached_lookup(cached, django_assert_num_queries):
    with django_assert_num_queries(0):
        _, token = authenticate(cached)
    later = token.last_used + timedelta(hours=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(authentication.timezone, "now", lambda: later)
        with django_assert_num_queries(1):  # the cached use is an hour old: recorded
            authenticate(cached)
        # Its entry ended: the next requests read the database, and write nothing.
        with django_assert_num_queries(1):
            authenticate(cached)
    assert ApiToken.objects.get().last_used == later


def test_a_lookup_is_cached_no_longer_than_the_token_lives(alice):
    issued, key = api_token_create(user=alice, name="Phone")
    soon = timezone.now() + timedelta(seconds=TOKEN_CACHE_SECONDS / 3)
    ApiToken.objects.filter(pk=issued.pk).update(expires=soon)
    authenticate(key)
    tokens = caches["tokens"]
    seconds = tokens._cache.get_client().ttl(tokens.make_and_validate_key(issued.digest))
    assert 0 < seconds <= TOKEN_CACHE_SECONDS / 3
