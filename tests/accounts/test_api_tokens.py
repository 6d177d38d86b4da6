"""API tokens outside the API: their services, the settings page's "Apps and devices"
section, and the admin. The endpoints are tested in tests/api/test_auth.py."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke, api_token_revoke_all
from tests.admin_helpers import assert_staff_only
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


# --- Services --------------------------------------------------------------------------


def test_a_token_expires_after_the_configured_lifetime(alice, settings):
    settings.API_TOKEN_TTL = timedelta(hours=12)
    token, key = api_token_create(user=alice, name="  Phone  ")
    assert token.name == "Phone"
    assert token.expires - token.created == timedelta(hours=12)
    assert len(key) >= 43  # 32 random bytes
    assert token.key_prefix == key[:8]


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Name the device or app"), ("  ", "Name the device or app"), ("x" * 65, "at most 64")],
)
def test_a_token_needs_a_short_name(alice, name, message):
    with pytest.raises(ValidationError, match=message):
        api_token_create(user=alice, name=name)
    assert not ApiToken.objects.exists()


def test_issuing_a_token_deletes_the_users_expired_ones(alice):
    bob = UserFactory(username="bob")
    expired, _ = api_token_create(user=alice, name="Old")
    bobs_expired, _ = api_token_create(user=bob, name="Old")
    live, _ = api_token_create(user=alice, name="Live")
    ApiToken.objects.filter(pk__in=[expired.pk, bobs_expired.pk]).update(expires=timezone.now())
    new, _ = api_token_create(user=alice, name="New")
    assert set(ApiToken.objects.values_list("pk", flat=True)) == {
        live.pk,
        new.pk,
        bobs_expired.pk,
    }


def test_revoking_touches_only_the_users_own_tokens(alice):
    bob = UserFactory(username="bob")
    bobs, _ = api_token_create(user=bob, name="Phone")
    mine, _ = api_token_create(user=alice, name="Phone")
    kept, _ = api_token_create(user=alice, name="Tablet")
    with pytest.raises(ApiToken.DoesNotExist):
        api_token_revoke(user=alice, token_id=bobs.pk)
    api_token_revoke(user=alice, token_id=mine.pk)
    api_token_create(user=alice, name="TV")
    assert api_token_revoke_all(user=alice, keep=kept) == 1
    assert set(ApiToken.objects.values_list("pk", flat=True)) == {bobs.pk, kept.pk}


def test_the_database_refuses_a_nameless_token_or_a_digest_that_is_no_sha256(alice):
    now = timezone.now()
    valid = {"user": alice, "key_prefix": "abcdefgh", "created": now, "expires": now}
    for bad in (
        {"name": "", "digest": "0" * 64, "expires": now + timedelta(days=1)},
        {"name": "Phone", "digest": "not a digest", "expires": now + timedelta(days=1)},
        {"name": "Phone", "digest": "0" * 64},  # expires when it is created
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiToken.objects.create(**(valid | bad))


# --- Settings page ---------------------------------------------------------------------


def test_the_settings_page_lists_my_apps_without_their_secrets(client, alice):
    _, phone_key = api_token_create(user=alice, name="Alice's phone")
    expired, _ = api_token_create(user=alice, name="Forgotten tablet")
    ApiToken.objects.filter(pk=expired.pk).update(expires=timezone.now())
    api_token_create(user=UserFactory(username="bob"), name="Bob's phone")
    client.force_login(alice)
    page = client.get(reverse("accounts:settings")).content.decode()
    assert "Apps and devices" in page
    assert "Alice&#x27;s phone" in page and f"{phone_key[:8]}…" in page
    assert phone_key not in page
    assert "Forgotten tablet" not in page and "Bob&#x27;s phone" not in page
    assert (
        reverse("accounts:api-token-revoke", args=[ApiToken.objects.get(name="Alice's phone").pk])
        in page
    )


def test_the_settings_page_says_when_no_app_is_signed_in(client, alice):
    client.force_login(alice)
    assert "No app is signed in" in client.get(reverse("accounts:settings")).content.decode()


def test_signing_an_app_out_from_the_settings_page(alice):
    token, _ = api_token_create(user=alice, name="Phone")
    kept, _ = api_token_create(user=alice, name="Tablet")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    url = reverse("accounts:api-token-revoke", args=[token.pk])
    assert client.post(url).status_code == 403  # no CSRF token
    assert client.get(url).status_code == 405
    client.get(reverse("accounts:settings"))
    response = client.post(
        url, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}, follow=True
    )
    assert response.redirect_chain == [(reverse("accounts:settings"), 302)]
    assert "The app was signed out." in response.content.decode()
    assert list(ApiToken.objects.values_list("pk", flat=True)) == [kept.pk]


def test_nobody_signs_out_someone_elses_app(client, alice):
    bobs, _ = api_token_create(user=UserFactory(username="bob"), name="Phone")
    url = reverse("accounts:api-token-revoke", args=[bobs.pk])
    assert client.post(url).status_code == 302  # to the login page
    client.force_login(alice)
    assert client.post(url).status_code == 404
    assert ApiToken.objects.filter(pk=bobs.pk).exists()


def test_creating_a_token_on_the_settings_page_shows_its_secret_once(alice, settings):
    settings.API_TOKEN_TTL = timedelta(days=30)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    form = client.get(reverse("accounts:settings")).content.decode()
    assert f'action="{reverse("accounts:api-token-create")}"' in form
    assert "A token works for 30 days" in form
    url = reverse("accounts:api-token-create")
    assert client.post(url, {"name": "Script"}).status_code == 403  # no CSRF token
    assert client.get(url).status_code == 405

    csrf = client.cookies["csrftoken"].value
    response = client.post(url, {"name": "  My script  ", "csrfmiddlewaretoken": csrf})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=alice)
    assert token.name == "My script" and token.expires - token.created == timedelta(days=30)
    secret = response.context["created_token"]["secret"]
    page = response.content.decode()
    assert f'value="{secret}"' in page and "shown only this once" in page
    assert ApiToken.digest_of(secret) == token.digest and secret not in token.digest
    # The secret works with the API, and the settings page never shows it again.
    me = Client().get("/api/v1/me/", headers={"authorization": f"Token {secret}"})
    assert me.status_code == 200 and me.json()["username"] == "alice"
    again = client.get(reverse("accounts:settings")).content.decode()
    assert secret not in again and f"{secret[:8]}…" in again and "My script" in again


@pytest.mark.parametrize(
    ("name", "error"),
    [("", "This field is required."), ("   ", "This field is required."),
     ("x" * 65, "at most 64 characters")],
)  # fmt: skip
def test_a_token_without_a_usable_name_is_refused_with_the_reason(client, alice, name, error):
    client.force_login(alice)
    response = client.post(reverse("accounts:api-token-create"), {"name": name})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert response.context["created_token"] is None
    assert not ApiToken.objects.exists()


def test_anonymous_visitors_cannot_create_tokens(client):
    response = client.post(reverse("accounts:api-token-create"), {"name": "Script"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert not ApiToken.objects.exists()


# --- Admin -----------------------------------------------------------------------------


def test_staff_see_and_revoke_tokens_but_never_issue_or_edit_them(client, admin_client, alice):
    token, key = api_token_create(user=alice, name="Phone")
    changelist = reverse("admin:accounts_apitoken_changelist")
    change = reverse("admin:accounts_apitoken_change", args=[token.pk])
    page = admin_client.get(changelist).content.decode()
    assert "Phone" in page and token.key_prefix in page
    detail = admin_client.get(change).content.decode()
    assert token.digest not in detail and key not in detail
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403
    admin_client.post(change, {"name": "Renamed"})
    assert ApiToken.objects.get().name == "Phone"
    delete = reverse("admin:accounts_apitoken_delete", args=[token.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not ApiToken.objects.exists()
    for url in (changelist, change):
        assert_staff_only(client, url)
