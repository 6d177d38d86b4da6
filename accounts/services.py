"""Writes for accounts."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from math import ceil
from pathlib import Path

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, User

logger = logging.getLogger(__name__)

DEMO_USERNAME = "demo"
# Links are signed with SECRET_KEY under this salt, so no other signed value passes as one.
VERIFICATION_SALT = "accounts.email-verification"
# A resend no sooner than this after the last link, so nobody can flood an inbox with them.
VERIFICATION_RESEND_INTERVAL = timedelta(minutes=1)
VERIFICATION_SUBJECT = "Confirm your email address for movierec"


class EmailVerificationError(Exception):
    """A verification link that cannot be used; the message is for the person who followed it."""


class VerificationResendTooSoon(Exception):
    def __init__(self, retry_after_seconds: int):
        super().__init__(f"A link was sent less than a minute ago; wait {retry_after_seconds} s.")
        self.retry_after_seconds = retry_after_seconds


@transaction.atomic
def demo_user_ensure(*, credentials_file: Path) -> tuple[User, str]:
    """Create the demo account once and return it with its password.

    The password is random and kept in a git-ignored file so every start can print it.
    """
    user = User.objects.filter(username=DEMO_USERNAME).first()
    if user is not None and credentials_file.exists():
        return user, credentials_file.read_text().strip()
    password = secrets.token_urlsafe(9)
    if user is None:
        user = User(username=DEMO_USERNAME, email="demo@example.com", first_name="Demo")
    user.set_password(password)
    user.save()
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(password + "\n")
    credentials_file.chmod(0o600)
    return user, password


@transaction.atomic
def user_sign_up(*, username: str, email: str, password: str, site_url: str) -> User:
    """Create a regular account and mail a link that confirms its address.

    The caller has validated the password. `site_url` (e.g. https://movies.example.com)
    starts the link. Until the link is followed the account works, but no password reset
    goes to the address.
    """
    user = User.objects.create_user(username=username, email=email, password=password)
    email_verification_send(user=user, site_url=site_url)
    return user


@transaction.atomic
def user_settings_update(
    *,
    user: User,
    email: str,
    profile_is_public: bool,
    allow_group_recommendations: bool,
    site_url: str,
) -> User:
    """Save the privacy settings; a new address only becomes pending and gets a link.

    The address changes once that link is followed (email_verify), so a typo or an
    address the owner cannot read never replaces the one password resets go to. Giving
    the current address again (in any case) cancels a pending change.
    """
    email = User.objects.normalize_email(email)
    user.profile_is_public = profile_is_public
    user.allow_group_recommendations = allow_group_recommendations
    new_address = email.lower() != user.email.lower()
    user.pending_email = email if new_address else ""
    user.save(update_fields=["profile_is_public", "allow_group_recommendations", "pending_email"])
    if new_address:
        email_verification_send(user=user, site_url=site_url)
    return user


def email_verification_address(*, user: User) -> str | None:
    """The address a verification link would prove: a pending one, else an unverified
    current one; None when there is nothing to verify."""
    if user.pending_email:
        return user.pending_email
    if user.email and not user.email_verified:
        return user.email
    return None


@transaction.atomic
def email_verification_send(*, user: User, site_url: str) -> str:
    """Mail a verification link for email_verification_address once the transaction
    commits; returns the address. Raises VerificationResendTooSoon within
    VERIFICATION_RESEND_INTERVAL of the last link (for a new address too: otherwise
    changing it back and forth would flood someone's inbox), and ValueError when there
    is nothing to verify."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    address = email_verification_address(user=locked)
    if address is None:
        raise ValueError("This email address is already verified.")
    now = timezone.now()
    last_sent = locked.email_verification_sent_at
    if last_sent is not None and now < last_sent + VERIFICATION_RESEND_INTERVAL:
        wait = (last_sent + VERIFICATION_RESEND_INTERVAL - now).total_seconds()
        raise VerificationResendTooSoon(ceil(wait))
    locked.email_verification_sent_at = user.email_verification_sent_at = now
    locked.save(update_fields=["email_verification_sent_at"])
    token = signing.dumps({"user": user.pk, "email": address}, salt=VERIFICATION_SALT)
    context = {
        "user": locked,
        "address": address,
        "link": site_url.rstrip("/") + reverse("accounts:verify-email", args=[token]),
        "hours": settings.EMAIL_VERIFICATION_HOURS,
    }
    body = render_to_string("registration/verify_email.txt", context)
    transaction.on_commit(lambda: _send_verification_mail(address=address, body=body))
    return address


def _send_verification_mail(*, address: str, body: str) -> None:
    # After the commit the account exists whatever happens here; a mail server that is down
    # must not turn that into an error page. The owner can ask for the link again.
    try:
        send_mail(VERIFICATION_SUBJECT, body, None, [address])
    except Exception:
        logger.exception("Could not send the verification link to %s", address)


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Apply a verification link: the address it names becomes the account's verified
    address. Raises EmailVerificationError for a tampered, expired or superseded link,
    changing nothing. Following a link twice is harmless."""
    try:
        claim = signing.loads(
            token,
            salt=VERIFICATION_SALT,
            max_age=timedelta(hours=settings.EMAIL_VERIFICATION_HOURS),
        )
    except signing.SignatureExpired:
        raise EmailVerificationError(
            "This link has expired. Sign in and ask for a new one on your settings page."
        ) from None
    except signing.BadSignature:
        raise EmailVerificationError(
            "This link is not valid. Copy the whole link from the email, or ask for a new one "
            "on your settings page."
        ) from None
    user = User.objects.select_for_update().filter(pk=claim["user"], is_active=True).first()
    address = claim["email"]
    if user is not None and address == user.pending_email:
        user.email = address
        user.pending_email = ""
        user.email_verified_at = timezone.now()
    elif user is not None and address == user.email:
        user.email_verified_at = user.email_verified_at or timezone.now()
    else:
        raise EmailVerificationError(
            "This link is for an address your account no longer uses or no longer asks for."
        )
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "pending_email", "email_verified_at"])
    except IntegrityError:  # the unique address constraint
        raise EmailVerificationError(
            f"Another account started using {address} in the meantime, so your address "
            "stays as it was."
        ) from None
    return user


def user_login_lockout_clear(*, username: str) -> None:
    """Lift sign-in lockouts of `username`, e.g. once a password reset proved who they are."""
    axes_reset(username=username)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account and everything it owns (ratings and lists go by CASCADE).

    The ratings app takes the ratings off the movies' counters as the user row is deleted
    (its pre_delete receiver), whichever way the user is deleted. Login records name the
    user and their IP addresses; they go too.
    """
    for login_records in (AccessAttempt, AccessFailureLog, AccessLog):
        login_records.objects.filter(username=user.username).delete()
    user.delete()


# last_used is kept to the hour: exact would cost a write on every API request.
API_TOKEN_LAST_USED_RESOLUTION = timedelta(hours=1)


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a new token for one device or app of `user`; return it with its secret.

    The secret exists only in the answer: the database keeps its digest. The user's
    expired tokens are deleted on the way, so that they do not pile up.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Name the device or app this token is for."]})
    if len(name) > ApiToken.NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": [f"Use at most {ApiToken.NAME_MAX_LENGTH} characters for the name."]}
        )
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires__lte=now).delete()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_prefix=key[: ApiToken.PREFIX_LENGTH],
        digest=ApiToken.digest_of(key),
        created=now,
        expires=now + settings.API_TOKEN_TTL,
    )
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Revoke one of `user`'s tokens; ApiToken.DoesNotExist if `user` has no such token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise ApiToken.DoesNotExist(f"You have no API token {token_id}.")


def api_token_revoke_all(*, user: User, keep: ApiToken | None = None) -> int:
    """Revoke all of `user`'s tokens but `keep`; return how many were revoked."""
    tokens = ApiToken.objects.filter(user=user)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    deleted, _ = tokens.delete()
    return deleted


def api_token_used(*, token: ApiToken, now: datetime) -> bool:
    """Record that `token` was used at `now`, if its last_used is more than the
    resolution old (most requests write nothing); return whether it was recorded."""
    if token.last_used is not None and now - token.last_used < API_TOKEN_LAST_USED_RESOLUTION:
        return False
    ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    token.last_used = now
    return True
