"""Email verification on the website: sign-up links, resends, address changes and the
password reset that only confirmed addresses get. Mail goes to Django's locmem outbox."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from ratings.models import Rating
from tests.factories import UserFactory
from tests.movierec.test_settings import run_django

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a much better passphrase 42"
LINK = re.compile(r"http://testserver(/verify-email/\S+/)")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a request's on-commit work (the mail) as a real commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def unverified(db):
    return UserFactory(username="newbie", email_verified_at=None)


def link_in(mail) -> str:
    return LINK.search(mail.body).group(1)


def sign_up(client, committed, email="newcomer@example.com"):
    data = {"username": "newcomer", "email": email}
    data |= {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    return committed(client.post, reverse("accounts:signup"), data)


def test_sign_up_mails_one_link_that_confirms_the_address(client, committed, mailoutbox):
    sign_up(client, committed)
    user = User.objects.get(username="newcomer")
    assert not user.email_verified
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["newcomer@example.com"]
    assert mailoutbox[0].subject == "Confirm your email address for movierec"

    client.post(reverse("accounts:logout"))  # the link needs no session: another device
    response = client.get(link_in(mailoutbox[0]))
    assert response.status_code == 200
    assert "newcomer@example.com is now the confirmed address of newcomer" in response.text
    user.refresh_from_db()
    assert user.email_verified
    # Following it again is harmless.
    verified_at = user.email_verified_at
    assert client.get(link_in(mailoutbox[0])).status_code == 200
    user.refresh_from_db()
    assert user.email_verified_at == verified_at


def test_a_tampered_link_is_refused_and_changes_nothing(client, committed, mailoutbox):
    sign_up(client, committed)
    link = link_in(mailoutbox[0])
    signature_at = link.rindex(":") + 1
    tampered = (
        link[:signature_at] + ("A" if link[signature_at] != "A" else "B") + link[signature_at + 1 :]
    )
    response = client.get(tampered)
    assert response.status_code == 400
    assert "This link is not valid" in response.text and "Nothing was changed" in response.text
    assert not User.objects.get(username="newcomer").email_verified


def test_an_expired_link_is_refused_and_changes_nothing(client, committed, mailoutbox, monkeypatch):
    sign_up(client, committed)
    later = (
        time.time() + timedelta(hours=settings.EMAIL_VERIFICATION_HOURS, minutes=1).total_seconds()
    )
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get(link_in(mailoutbox[0]))
    assert response.status_code == 400
    assert "This link has expired" in response.text
    assert not User.objects.get(username="newcomer").email_verified


def test_an_unverified_account_browses_and_rates(client, unverified, movie):
    client.force_login(unverified)
    assert client.get(reverse("pages:home")).status_code == 200
    assert client.post(f"/movies/{movie.pk}/rate/", {"score": "4.5"}).status_code == 302
    assert Rating.objects.get(user=unverified, movie=movie).score == Decimal("4.5")


def test_settings_show_the_status_and_offer_a_new_link(client, unverified, user):
    client.force_login(unverified)
    page = client.get(reverse("accounts:settings")).text
    assert "newbie@example.com is not confirmed yet." in page
    assert reverse("accounts:verify-email-resend") in page
    client.force_login(user)
    page = client.get(reverse("accounts:settings")).text
    assert f"{user.email} is confirmed" in page
    assert reverse("accounts:verify-email-resend") not in page


def test_a_new_link_can_be_asked_for_once_a_minute(client, committed, unverified, mailoutbox):
    client.force_login(unverified)
    resend = reverse("accounts:verify-email-resend")
    assert client.get(resend).status_code == 405  # sending mail takes a POST

    response = committed(client.post, resend, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "We sent a new link to newbie@example.com."
    ]
    response = committed(client.post, resend, follow=True)
    assert "less than a minute ago" in str(list(response.context["messages"])[0])
    assert len(mailoutbox) == 1

    unverified.refresh_from_db()
    User.objects.filter(pk=unverified.pk).update(
        email_verification_sent_at=unverified.email_verification_sent_at - timedelta(minutes=2)
    )
    committed(client.post, resend)
    assert len(mailoutbox) == 2
    assert client.get(link_in(mailoutbox[1])).status_code == 200
    unverified.refresh_from_db()
    assert unverified.email_verified


def test_a_verified_account_has_nothing_to_resend(client, user, mailoutbox):
    client.force_login(user)
    response = client.post(reverse("accounts:verify-email-resend"), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "This email address is already verified."
    ]
    assert mailoutbox == []


@pytest.mark.parametrize(("verified", "mails"), [(True, 1), (False, 0)])
def test_password_reset_goes_only_to_a_confirmed_address(client, verified, mails, mailoutbox):
    user = UserFactory()
    if not verified:
        User.objects.filter(pk=user.pk).update(email_verified_at=None)
    response = client.post(reverse("accounts:password-reset"), {"email": user.email})
    # The same answer either way: it tells nobody which addresses have accounts.
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert len(mailoutbox) == mails


def change_email(client, committed, email: str):
    return committed(client.post, reverse("accounts:settings"), {"email": email}, follow=True)


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
def test_a_new_address_takes_effect_once_its_link_is_followed(
    client, committed, mailoutbox, verified
):
    user = UserFactory(username="mover")
    if not verified:
        User.objects.filter(pk=user.pk).update(email_verified_at=None)
    client.force_login(user)
    change_email(client, committed, "moved@example.org")
    user.refresh_from_db()
    # Until then password resets still go to the old address (if it was confirmed).
    assert (user.email, user.pending_email) == ("mover@example.com", "moved@example.org")
    assert "You asked to change your address to" in client.get(reverse("accounts:settings")).text
    assert [mail.to for mail in mailoutbox] == [["moved@example.org"]]

    assert client.get(link_in(mailoutbox[0])).status_code == 200
    user.refresh_from_db()
    assert (user.email, user.pending_email, user.email_verified) == (
        "moved@example.org",
        "",
        True,
    )


def test_a_link_for_an_address_no_longer_asked_for_is_refused(client, committed, user, mailoutbox):
    client.force_login(user)
    change_email(client, committed, "first@example.org")
    User.objects.filter(pk=user.pk).update(email_verification_sent_at=None)
    change_email(client, committed, "second@example.org")
    first, second = mailoutbox
    response = client.get(link_in(first))
    assert response.status_code == 400
    assert "no longer uses or no longer asks for" in response.text
    user.refresh_from_db()
    assert (user.email, user.pending_email) == (
        f"{user.username}@example.com",
        "second@example.org",
    )


def test_giving_the_current_address_again_cancels_a_pending_change(client, committed, user):
    client.force_login(user)
    change_email(client, committed, "elsewhere@example.org")
    change_email(client, committed, user.email.upper())
    user.refresh_from_db()
    assert (user.email, user.pending_email) == (f"{user.username}@example.com", "")


def test_changing_address_twice_within_a_minute_is_refused(client, committed, user, mailoutbox):
    client.force_login(user)
    change_email(client, committed, "first@example.org")
    response = change_email(client, committed, "second@example.org")
    assert "less than a minute ago" in " ".join(response.context["form"].errors["email"])
    user.refresh_from_db()
    assert user.pending_email == "first@example.org"
    assert len(mailoutbox) == 1


def test_an_address_taken_before_its_link_is_followed_stays_with_the_other_account(
    client, committed, user, mailoutbox
):
    client.force_login(user)
    change_email(client, committed, "contested@example.org")
    UserFactory(username="quicker", email="contested@example.org")
    response = client.get(link_in(mailoutbox[0]))
    assert response.status_code == 400
    assert "Another account started using contested@example.org" in response.text
    user.refresh_from_db()
    assert (user.email, user.pending_email) == (
        f"{user.username}@example.com",
        "contested@example.org",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "EMAIL_VERIFICATION_HOURS='soon' is not an integer"),
        ("0", "EMAIL_VERIFICATION_HOURS=0 must be 1 or more"),
    ],
)
def test_a_bad_link_lifetime_stops_start_up(value, message):
    result = run_django("", {"EMAIL_VERIFICATION_HOURS": value})
    assert result.returncode != 0
    assert message in result.stderr
