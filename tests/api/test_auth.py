"""Registration, API tokens (with the sign-in lockout and the token throttle), `me`, session
authentication, throttling, CORS and the API's settings."""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from accounts.api import TokenView
from accounts.models import ApiToken, User
from ratings.models import Rating
from tests.accounts.conftest import PASSWORD
from tests.api.conftest import V1, error_of
from tests.conftest import _test_database_url
from tests.factories import api_token_key, rate
from tests.movierec.test_settings import run_django

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def obtain(client: APIClient, username: str, password: str, name: str | None = None, **extra):
    body = {"username": username, "password": password} | ({"name": name} if name else {})
    return client.post(f"{V1}/auth/token/", body, format="json", **extra)


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- Register --------------------------------------------------------------------------


def test_register_creates_an_account_and_returns_a_working_token(anon):
    response = anon.post(
        f"{V1}/auth/register/",
        {"username": "carol", "email": "carol@example.com", "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["username"] == "carol"
    assert body["user"]["profile_is_public"] is False
    assert "password" not in body["user"]
    assert User.objects.get(username="carol").check_password(PASSWORD)
    token = ApiToken.objects.get(user__username="carol")
    assert (body["id"], body["name"], body["expires"]) == (
        token.pk,
        "API client",
        token.expires.isoformat().replace("+00:00", "Z"),
    )
    anon.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert anon.get(f"{V1}/me/").json()["email"] == "carol@example.com"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "ALICE", "email": "new@example.com", "password": PASSWORD}, "username"),
        ({"username": "carol", "email": "Alice@Example.com", "password": PASSWORD}, "email"),
        ({"username": "carol", "email": "carol@example.com", "password": "password"}, "password"),
        ({"username": "carol", "email": "carol@example.com", "password": "carol1234"}, "password"),
        ({"username": "bad name!", "email": "carol@example.com", "password": PASSWORD}, "username"),
        ({"username": "carol", "email": "not-an-email", "password": PASSWORD}, "email"),
        ({"username": "carol", "email": "carol@example.com"}, "password"),
        # JSON numbers are not strings, whatever str() would make of them.
        ({"username": "carol", "email": "carol@example.com", "password": 9.98e185}, "password"),
        ({"username": 1234, "email": "carol@example.com", "password": PASSWORD}, "username"),
    ],
)
def test_register_applies_the_websites_rules(anon, alice, payload, field):
    response = anon.post(f"{V1}/auth/register/", payload, format="json")
    error = error_of(response, 400, "invalid")
    assert list(error["fields"]) == [field]
    assert not User.objects.filter(username="carol").exists()


# --- Tokens ----------------------------------------------------------------------------


def test_each_sign_in_gets_its_own_named_token_with_an_expiry(anon, alice, settings):
    settings.API_TOKEN_TTL = timedelta(days=30)
    before = timezone.now()
    phone = obtain(anon, "alice", PASSWORD, name="  Alice's phone ")
    assert phone.status_code == 200, phone.content
    tablet = obtain(anon, "alice", PASSWORD, HTTP_USER_AGENT="MovieRecTablet/2.1 (iPadOS)")
    body = phone.json()
    assert body.keys() == {"token", "id", "name", "expires"}
    assert body["token"] != tablet.json()["token"]
    stored = ApiToken.objects.get(pk=body["id"])
    assert (stored.user, stored.name) == (alice, "Alice's phone")
    assert parse_datetime(body["expires"]) == stored.expires
    assert before + timedelta(days=30) <= stored.expires <= timezone.now() + timedelta(days=30)
    assert tablet.json()["name"] == "MovieRecTablet/2.1 (iPadOS)"
    for key in (body["token"], tablet.json()["token"]):
        assert client_with(key).get(f"{V1}/me/").json()["username"] == "alice"
    alice.refresh_from_db()
    assert alice.last_login is not None


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "may not be blank"), ("x" * 65, "no more than 64 characters")],
)
def test_a_token_name_must_be_given_and_short(anon, alice, name, message):
    response = anon.post(
        f"{V1}/auth/token/",
        {"username": "alice", "password": PASSWORD, "name": name},
        format="json",
    )
    assert message in error_of(response, 400, "invalid")["fields"]["name"][0]
    assert not ApiToken.objects.exists()


def test_a_long_user_agent_is_cut_to_the_name_length(anon, alice):
    response = obtain(anon, "alice", PASSWORD, HTTP_USER_AGENT="A" * 300)
    assert response.json()["name"] == "A" * ApiToken.NAME_MAX_LENGTH


def test_a_wrong_password_gets_no_token(anon, alice):
    error = error_of(obtain(anon, "alice", "wrong"), 400, "invalid")
    assert "Unable to sign in" in error["message"]
    assert not ApiToken.objects.exists()


def test_a_password_that_is_not_a_string_is_refused_as_such(anon, alice):
    error = error_of(obtain(anon, "alice", 1234), 400, "invalid")
    assert error["fields"] == {"password": ["Must be a string."]}
    assert not ApiToken.objects.exists()


def test_an_overlong_password_is_refused_before_it_is_checked(anon, alice):
    error = error_of(obtain(anon, "alice", "p" * 4097), 400, "invalid")
    assert error["fields"] == {"password": ["Passwords are at most 4,096 characters."]}
    assert not ApiToken.objects.exists()


def test_failures_lock_the_token_endpoint_out_in_json(anon, alice):
    statuses = [obtain(anon, "alice", "wrong").status_code for _ in range(LIMIT)]
    assert statuses == [400] * (LIMIT - 1) + [429]
    response = obtain(anon, "alice", PASSWORD)
    error = error_of(response, 429, "locked_out")
    assert f"{settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in error["message"]
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.seconds
    assert not ApiToken.objects.exists()
    # The lockout is the website's: its login form refuses alice from this address too.
    form = Client().post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert form.status_code == 429


def test_the_lockout_is_per_username_and_address(anon, alice, bob):
    for _ in range(LIMIT):
        obtain(anon, "alice", "wrong")
    assert obtain(anon, "bob", PASSWORD).status_code == 200
    assert obtain(anon, "alice", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_a_token_obtained_resets_the_failure_count(anon, alice):
    for _ in range(LIMIT - 1):
        obtain(anon, "alice", "wrong")
    assert obtain(anon, "alice", PASSWORD).status_code == 200
    statuses = [obtain(anon, "alice", "wrong").status_code for _ in range(LIMIT - 1)]
    assert statuses == [400] * (LIMIT - 1)


def test_the_token_endpoint_has_its_own_stricter_throttle(anon, alice, throttle_rates):
    throttle_rates(token="2/hour", anon="100/hour")
    assert [obtain(anon, "alice", PASSWORD).status_code for _ in range(2)] == [200, 200]
    response = obtain(anon, "alice", PASSWORD)
    error_of(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    # Other endpoints still answer: only the token scope is used up.
    assert anon.get(f"{V1}/genres/").status_code == 200


def test_revoking_the_token_signs_only_this_app_out(alice):
    phone, tablet = client_with(api_token_key(alice)), client_with(api_token_key(alice))
    assert phone.delete(f"{V1}/auth/token/").status_code == 204
    error = error_of(phone.get(f"{V1}/me/"), 401, "authentication_failed")
    assert "Invalid or expired token" in error["message"]
    assert tablet.get(f"{V1}/me/").status_code == 200
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_revoking_a_token_revoked_meanwhile_succeeds(alice):
    """Another request (or the settings page) revoked it after it authenticated this one."""
    api_token_key(alice)
    token = ApiToken.objects.get()
    token.delete()
    request = APIRequestFactory().delete(f"{V1}/auth/token/")
    force_authenticate(request, user=alice, token=token)
    assert TokenView.as_view()(request).status_code == 204


def test_a_website_session_has_no_token_to_revoke(alice):
    api_token_key(alice)
    client = APIClient()
    client.force_login(alice)
    error = error_of(client.delete(f"{V1}/auth/token/"), 403, "permission_denied")
    assert "not signed in with an API token" in error["message"]
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_revoking_needs_credentials(anon):
    error_of(anon.delete(f"{V1}/auth/token/"), 401, "not_authenticated")


def test_an_expired_token_is_refused(alice):
    client = client_with(api_token_key(alice))
    ApiToken.objects.filter(user=alice).update(expires=timezone.now())
    error = error_of(client.get(f"{V1}/genres/"), 401, "authentication_failed")
    assert "Invalid or expired token" in error["message"]


def test_my_tokens_are_listed_without_their_secrets(alice, bob):
    old_key, current_key = api_token_key(alice, "Old phone"), api_token_key(alice, "New phone")
    api_token_key(bob, "Bob's phone")
    expired = ApiToken.objects.create(
        user=alice,
        name="Expired",
        key_prefix="expired0",
        digest=ApiToken.digest_of("expired"),
        created=timezone.now() - timedelta(days=2),
        expires=timezone.now() - timedelta(days=1),
    )
    response = client_with(current_key).get(f"{V1}/auth/tokens/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    tokens = body["results"]
    assert [(t["name"], t["key_prefix"], t["current"]) for t in tokens] == [
        ("New phone", current_key[:8], True),
        ("Old phone", old_key[:8], False),
    ]
    assert tokens[0].keys() == {
        "id", "name", "key_prefix", "created", "expires", "last_used", "current"
    }  # fmt: skip
    assert tokens[0]["last_used"] is not None  # this request used it
    assert tokens[1]["last_used"] is None
    for secret in (old_key, current_key, *ApiToken.objects.values_list("digest", flat=True)):
        assert secret not in response.content.decode()
    assert expired.pk not in [t["id"] for t in tokens]


def test_a_token_is_revoked_by_its_id_only_by_its_owner(alice, bob):
    phone_key, tablet_key = api_token_key(alice, "Phone"), api_token_key(alice, "Tablet")
    bobs_key = api_token_key(bob)
    phone = client_with(phone_key)
    tablet_id = ApiToken.objects.get(name="Tablet").pk
    bobs_id = ApiToken.objects.get(user=bob).pk

    error = error_of(phone.delete(f"{V1}/auth/tokens/{bobs_id}/"), 404, "not_found")
    assert error["message"] == f"You have no API token {bobs_id}."
    assert client_with(bobs_key).get(f"{V1}/me/").status_code == 200

    assert phone.delete(f"{V1}/auth/tokens/{tablet_id}/").status_code == 204
    error_of(client_with(tablet_key).get(f"{V1}/me/"), 401, "authentication_failed")
    assert phone.get(f"{V1}/me/").status_code == 200
    error_of(phone.delete(f"{V1}/auth/tokens/{tablet_id}/"), 404, "not_found")


def test_revoking_all_tokens_keeps_this_one(alice, bob):
    keys = [api_token_key(alice, name) for name in ("Phone", "Tablet", "TV")]
    bobs_key = api_token_key(bob)
    assert client_with(keys[0]).delete(f"{V1}/auth/tokens/").status_code == 204
    assert list(ApiToken.objects.filter(user=alice).values_list("name", flat=True)) == ["Phone"]
    assert client_with(keys[0]).get(f"{V1}/me/").status_code == 200
    for key in keys[1:]:
        error_of(client_with(key).get(f"{V1}/me/"), 401, "authentication_failed")
    assert client_with(bobs_key).get(f"{V1}/me/").status_code == 200


def test_revoking_all_tokens_from_a_session_revokes_every_one(alice):
    api_token_key(alice, "Phone")
    client = APIClient()
    client.force_login(alice)
    assert client.delete(f"{V1}/auth/tokens/").status_code == 204
    assert not ApiToken.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/auth/tokens/"), ("delete", "/auth/tokens/"), ("delete", "/auth/tokens/1/")],
)
def test_token_management_needs_credentials(anon, method, path):
    error_of(getattr(anon, method)(f"{V1}{path}"), 401, "not_authenticated")


def test_an_api_request_is_authenticated_without_a_query(alice, django_assert_num_queries):
    client = client_with(api_token_key(alice))
    client.get(f"{V1}/me/")  # looks the token up and records its first use, then caches it
    # GET /me/ answers from request.user, which the cached lookup gives (accounts.token_cache).
    with django_assert_num_queries(0):
        assert client.get(f"{V1}/me/").json()["username"] == "alice"


def test_missing_credentials_get_401_with_the_token_challenge(anon):
    response = anon.get(f"{V1}/me/")
    error_of(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


# --- Session authentication (browsable API) ---------------------------------------------


def test_a_website_session_works_and_keeps_its_csrf_check(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(f"{V1}/me/").json()["username"] == "alice"
    response = client.patch(f"{V1}/me/", {"profile_is_public": True}, format="json")
    error = error_of(response, 403, "permission_denied")
    assert "CSRF" in error["message"]


def test_the_browsable_api_renders_for_a_session(alice):
    client = APIClient()
    client.force_login(alice)
    response = client.get(f"{V1}/ratings/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"<html" in response.content


# --- Me --------------------------------------------------------------------------------


def test_me_shows_profile_and_settings(as_alice, alice):
    body = as_alice.get(f"{V1}/me/").json()
    assert body == {
        "username": "alice",
        "email": "alice@example.com",
        "email_verified": True,
        "pending_email": "",
        "profile_is_public": False,
        "allow_group_recommendations": False,
        "date_joined": body["date_joined"],
    }


def test_patch_changes_only_what_it_names(as_alice, alice):
    response = as_alice.patch(
        f"{V1}/me/", {"allow_group_recommendations": True, "username": "mallory"}, format="json"
    )
    assert response.status_code == 200, response.content
    alice.refresh_from_db()
    assert alice.allow_group_recommendations is True
    assert (alice.username, alice.email, alice.profile_is_public) == (
        "alice",
        "alice@example.com",
        False,
    )


def test_patch_refuses_an_email_another_account_uses(as_alice, alice, bob):
    response = as_alice.patch(f"{V1}/me/", {"email": "BOB@example.com"}, format="json")
    assert error_of(response, 400, "invalid")["fields"].keys() == {"email"}
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


# --- Email verification ----------------------------------------------------------------

VERIFY_LINK = re.compile(r"http://testserver(/verify-email/\S+/)")


def test_register_mails_a_link_and_me_tells_whether_it_was_followed(
    anon, mailoutbox, django_capture_on_commit_callbacks
):
    payload = {"username": "carol", "email": "carol@example.com", "password": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        response = anon.post(f"{V1}/auth/register/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["user"]["email_verified"] is False
    assert [mail.to for mail in mailoutbox] == [["carol@example.com"]]

    assert Client().get(VERIFY_LINK.search(mailoutbox[0].body).group(1)).status_code == 200
    carol = APIClient()
    carol.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert carol.get(f"{V1}/me/").json()["email_verified"] is True


def test_an_unverified_account_rates_through_the_api(movies):
    user = User.objects.create_user("dave", "dave@example.com", PASSWORD)
    client = APIClient()
    client.force_authenticate(user)
    movie = movies["heat"]
    response = client.put(f"{V1}/movies/{movie.pk}/rating/", {"score": 4}, format="json")
    assert response.status_code == 200, response.content
    assert Rating.objects.get(user=user, movie=movie).score == 4


def test_patch_makes_a_new_email_pending_until_its_link_is_followed(
    as_alice, alice, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_alice.patch(f"{V1}/me/", {"email": "alice@new.example"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["email"], body["pending_email"]) == ("alice@example.com", "alice@new.example")
    assert [mail.to for mail in mailoutbox] == [["alice@new.example"]]
    Client().get(VERIFY_LINK.search(mailoutbox[0].body).group(1))
    body = as_alice.get(f"{V1}/me/").json()
    assert (body["email"], body["pending_email"], body["email_verified"]) == (
        "alice@new.example",
        "",
        True,
    )
    # Another new address within the minute is refused, and nothing changes.
    response = as_alice.patch(f"{V1}/me/", {"email": "alice@third.example"}, format="json")
    error_of(response, 429, "throttled")
    assert "Retry-After" in response
    assert as_alice.get(f"{V1}/me/").json()["pending_email"] == ""


def test_a_new_link_once_a_minute_and_none_when_nothing_to_confirm(
    as_alice, alice, mailoutbox, django_capture_on_commit_callbacks
):
    url = f"{V1}/me/verify-email/"
    assert as_alice.post(url).json() == {"sent_to": None}
    User.objects.filter(pk=alice.pk).update(email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert as_alice.post(url).json() == {"sent_to": "alice@example.com"}
        response = as_alice.post(url)
    error_of(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert len(mailoutbox) == 1


def test_delete_needs_the_password(as_alice, alice):
    response = as_alice.post(f"{V1}/me/delete/", {"password": "wrong"}, format="json")
    assert error_of(response, 400, "invalid")["fields"] == {
        "password": ["This is not your password."]
    }
    response = as_alice.post(f"{V1}/me/delete/", {}, format="json")
    assert error_of(response, 400, "invalid")["fields"]["password"]
    assert User.objects.filter(pk=alice.pk).exists()


def test_delete_removes_the_account_its_data_and_its_token(as_alice, alice, bob, movies):
    rate(alice, movies["heat"], "4.0")
    rate(bob, movies["heat"], "2.0")
    response = as_alice.post(f"{V1}/me/delete/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204, response.content
    assert not User.objects.filter(username="alice").exists()
    assert not ApiToken.objects.filter(user_id=alice.pk).exists()
    assert list(Rating.objects.values_list("user__username", flat=True)) == ["bob"]
    movies["heat"].refresh_from_db()
    assert (movies["heat"].rating_count, movies["heat"].rating_sum) == (1, 2)
    error_of(as_alice.get(f"{V1}/me/"), 401, "authentication_failed")


def test_export_holds_only_my_data(as_alice, alice, bob, movies):
    rate(alice, movies["heat"], "4.5")
    rate(bob, movies["amelie"], "5.0")
    as_alice.put(f"{V1}/movies/{movies['amelie'].pk}/watchlist/")
    body = as_alice.get(f"{V1}/me/export/").json()
    assert body["user"]["username"] == "alice"
    assert [(r["title"], r["score"]) for r in body["ratings"]] == [("Heat", 4.5)]
    assert [w["title"] for w in body["watchlist"]] == ["Amélie"]
    assert body["not_interested"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/me/"),
        ("patch", "/me/"),
        ("post", "/me/delete/"),
        ("get", "/me/export/"),
    ],
)
def test_account_endpoints_need_credentials(anon, method, path):
    error_of(getattr(anon, method)(f"{V1}{path}"), 401, "not_authenticated")


# --- Throttling ------------------------------------------------------------------------


def test_anonymous_clients_are_throttled_per_address(anon, throttle_rates):
    throttle_rates(anon="2/hour")
    assert [anon.get(f"{V1}/genres/").status_code for _ in range(2)] == [200, 200]
    response = anon.get(f"{V1}/genres/")
    error_of(response, 429, "throttled")
    assert "Retry-After" in response
    assert anon.get(f"{V1}/genres/", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_users_are_throttled_per_user(as_alice, as_bob, throttle_rates):
    throttle_rates(user="3/hour")
    assert [as_alice.get(f"{V1}/ratings/").status_code for _ in range(3)] == [200] * 3
    error_of(as_alice.get(f"{V1}/ratings/"), 429, "throttled")
    assert as_bob.get(f"{V1}/ratings/").status_code == 200


def test_every_process_counts_towards_the_same_limit(anon, throttle_rates, settings):
    """A second process (another gunicorn worker, another server) shares the counters."""
    # Per hour, not per minute: the second process can take many seconds to start on a
    # busy machine, and a window boundary between the two processes' requests would
    # decay the first ones' weight (the sliding-window estimate) and let both through.
    throttle_rates(anon="3/hour")
    assert [anon.get(f"{V1}/genres/").status_code for _ in range(2)] == [200, 200]
    other_worker = (
        "import sys; from django.conf import settings; "
        "settings.CACHES['ratelimit']['KEY_PREFIX'] = sys.argv[1]; "
        "from django.test.utils import setup_test_environment; setup_test_environment(); "
        "from django.test import Client; "
        "print([Client().get('/api/v1/genres/').status_code for _ in range(2)])"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); {other_worker}",
            settings.CACHES["ratelimit"]["KEY_PREFIX"],
        ],
        env=os.environ | {"DATABASE_URL": _test_database_url(), "API_THROTTLE_ANON": "3/hour"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[200, 429]"
    error_of(anon.get(f"{V1}/genres/"), 429, "throttled")


PROXY = "192.0.2.1"


@pytest.mark.parametrize(("proxies", "second_client"), [(1, 200), (0, 429)])
def test_clients_behind_a_trusted_proxy_are_throttled_apart(
    anon, throttle_rates, settings, proxies, second_client
):
    """Behind one trusted proxy, X-Forwarded-For tells clients apart; without one, the
    header is the client's own word and everyone behind that address shares a bucket."""
    settings.TRUSTED_PROXY_COUNT = proxies
    throttle_rates(anon="2/hour")

    def get(client_address: str) -> int:
        return anon.get(
            f"{V1}/genres/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address
        ).status_code

    assert [get("198.51.100.7") for _ in range(3)] == [200, 200, 429]
    assert get("198.51.100.8") == second_client


def test_throttle_rates_come_from_the_environment():
    code = "from rest_framework.settings import api_settings as s; print(s.DEFAULT_THROTTLE_RATES)"
    env = {"API_THROTTLE_ANON": "7/hour", "API_THROTTLE_USER": "9/second"}
    result = run_django(code, env)
    assert result.returncode == 0, result.stderr
    assert "'anon': '7/hour', 'user': '9/second', 'token': '10/minute'" in result.stdout


@pytest.mark.parametrize("rate_value", ["lots", "10", "10/fortnight", "0/minute", "-1/day"])
def test_a_malformed_throttle_rate_stops_start_up(rate_value):
    result = run_django("", {"API_THROTTLE_TOKEN": rate_value})
    assert result.returncode != 0
    assert f"API_THROTTLE_TOKEN={rate_value!r} is not a rate" in result.stderr


# --- CORS ------------------------------------------------------------------------------


def test_no_other_origin_may_call_the_api_by_default(anon, db):
    response = anon.get(f"{V1}/genres/", HTTP_ORIGIN="https://app.example.com")
    assert "Access-Control-Allow-Origin" not in response


def test_configured_origins_may_call_the_api(anon, settings, db):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    allowed = anon.get(f"{V1}/genres/", HTTP_ORIGIN="https://app.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    other = anon.get(f"{V1}/genres/", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other
    # Only the API: the website's pages stay same-origin.
    page = anon.get("/healthz", HTTP_ORIGIN="https://app.example.com")
    assert "Access-Control-Allow-Origin" not in page


def test_cors_origins_come_from_the_environment():
    code = "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS)"
    result = run_django(code, {"CORS_ALLOWED_ORIGINS": "https://a.example.com,https://b.example"})
    assert result.returncode == 0, result.stderr
    assert "['https://a.example.com', 'https://b.example']" in result.stdout


# --- API_TOKEN_TTL ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [("", "90 days"), ("30d", "30 days"), ("12h", "12:00:00")]
)
def test_the_token_lifetime_comes_from_the_environment(value, expected):
    code = "from django.conf import settings; print(settings.API_TOKEN_TTL)"
    result = run_django(code, {"API_TOKEN_TTL": value} if value else {})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(expected)


@pytest.mark.parametrize("value", ["90", "never", "0d", "-1d", "1.5d", "10m", "2w"])
def test_a_malformed_token_lifetime_stops_start_up(value):
    result = run_django("", {"API_TOKEN_TTL": value})
    assert result.returncode != 0
    assert f"API_TOKEN_TTL={value!r} is not a duration" in result.stderr
