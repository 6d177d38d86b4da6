"""Login brute-force protection through django-axes, on the real login form and the admin's."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT
NEW_PASSWORD = "a much better passphrase 42"


def ago(delta: timedelta):
    return timezone.now() - delta


def fail(sign_in, username: str, times: int, **extra):
    return [sign_in(username, "wrong password", **extra).status_code for _ in range(times)]


def test_the_limit_is_sensible():
    assert 3 <= LIMIT <= 10
    assert timedelta(minutes=5) <= settings.AXES_COOLOFF_TIME <= timedelta(hours=1)


def test_failures_up_to_the_limit_lock_out_even_the_right_password(client, user, sign_in):
    assert fail(sign_in, user.username, LIMIT) == [200] * (LIMIT - 1) + [429]
    response = sign_in(user.username, PASSWORD)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert "Too many sign-in attempts" in response.text
    assert f"paused here for {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in response.text
    assert reverse("accounts:password-reset") in response.text
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))


def test_lockout_is_per_username_and_address(client, user, other_user, sign_in):
    fail(sign_in, user.username, LIMIT)
    # Someone else from the same address, and the owner from elsewhere, are not locked out.
    assert sign_in(other_user.username, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    assert sign_in(user.username, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302


@pytest.mark.parametrize(("proxies", "other_client"), [(1, 302), (0, 429)])
def test_behind_a_trusted_proxy_the_lockout_is_per_client_address(
    client, user, sign_in, settings, proxies, other_client
):
    settings.TRUSTED_PROXY_COUNT = proxies
    behind_proxy = {"REMOTE_ADDR": "192.0.2.1"}
    fail(sign_in, user.username, LIMIT, HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_proxy)
    recorded = AccessAttempt.objects.get().ip_address
    assert recorded == ("198.51.100.7" if proxies else "192.0.2.1")
    response = sign_in(user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8", **behind_proxy)
    assert response.status_code == other_client


def test_the_lockout_ends_after_the_cool_off(client, user, sign_in):
    fail(sign_in, user.username, LIMIT)
    AccessAttempt.objects.update(
        attempt_time=ago(settings.AXES_COOLOFF_TIME - timedelta(seconds=5))
    )
    assert sign_in(user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=ago(settings.AXES_COOLOFF_TIME + timedelta(seconds=5))
    )
    assert sign_in(user.username, PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_an_admin_can_lift_a_lockout(client, user, sign_in):
    fail(sign_in, user.username, LIMIT)
    call_command("axes_reset_username", user.username, stdout=None)
    assert sign_in(user.username, PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(client, user, sign_in):
    fail(sign_in, user.username, LIMIT - 1)
    assert sign_in(user.username, PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    assert fail(sign_in, user.username, LIMIT - 1) == [200] * (LIMIT - 1)
    assert sign_in(user.username, PASSWORD).status_code == 302


def test_the_admin_login_works_and_is_protected_too(client):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    ok = client.post(url, {"username": "boss", "password": PASSWORD, "next": "/admin/"})
    assert ok.status_code == 302 and client.session[SESSION_KEY] == str(admin.pk)
    assert client.get("/admin/accounts/user/").status_code == 200
    client.post(reverse("admin:logout"))
    for _ in range(LIMIT):
        client.post(url, {"username": "boss", "password": "wrong"})
    assert client.post(url, {"username": "boss", "password": PASSWORD}).status_code == 429


def test_a_password_reset_lifts_the_lockout(client, user, sign_in):
    fail(sign_in, user.username, LIMIT)
    client.post(reverse("accounts:password-reset"), {"email": user.email})
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert sign_in(user.username, NEW_PASSWORD).status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
