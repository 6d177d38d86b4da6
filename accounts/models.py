import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.passwords import PASSWORD_MAX_LENGTH


class User(AbstractUser):
    """A site user. MovieLens raters are imported as real users who cannot log in."""

    is_imported = models.BooleanField(
        default=False, help_text="Created by a MovieLens import; has no usable password."
    )
    movielens_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    # Privacy is opt-in: a new account shows nothing to others until its owner says so.
    profile_is_public = models.BooleanField(
        default=False, help_text="Others may see the profile page at /u/<username>/."
    )
    allow_group_recommendations = models.BooleanField(
        default=False, help_text="Friends may get Watch Together picks with this user."
    )
    # Set only by following a link mailed to `email` (accounts.services.email_verify), and
    # `email` only ever changes that way too, so it dates the proof that `email` is theirs.
    # Accounts older than verification have none: they can ask for a link.
    email_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the owner proved the email address is theirs."
    )
    # A new address the owner asked for; it replaces `email` once its link is followed.
    pending_email = models.EmailField(blank=True)
    # When the last verification link went out, to space out resends.
    email_verification_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Django marks unusable passwords with a leading "!".
            models.CheckConstraint(
                condition=Q(is_imported=False) | Q(password__startswith="!"),
                name="imported_users_cannot_log_in",
            ),
            models.CheckConstraint(
                condition=Q(is_imported=False) | Q(movielens_id__isnull=False),
                name="imported_users_have_movielens_id",
            ),
            # Password reset finds accounts by email, so one address must mean one account.
            # Imported users have none, hence the condition.
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="unique_user_email_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def check_password(self, raw_password: str | None) -> bool:
        # Never hashed: no password this long was ever accepted (accounts.passwords).
        if raw_password is not None and len(raw_password) > PASSWORD_MAX_LENGTH:
            return False
        return super().check_password(raw_password)


class ApiToken(models.Model):
    """An API token of one device or app (accounts.services.api_token_create issues them).

    Only the SHA-256 digest of the secret is stored, so a leaked database or backup holds
    no usable token. A plain hash is enough: the secrets are 256 random bits, which no
    dictionary or brute force can reach, so a slow password hash would only add CPU to
    every API request. The first characters are kept in the clear to tell tokens apart.
    """

    NAME_MAX_LENGTH = 64
    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=NAME_MAX_LENGTH, help_text="The device or app, as its owner named it."
    )
    key_prefix = models.CharField(
        max_length=PREFIX_LENGTH, help_text="The token's first characters, to recognise it."
    )
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    created = models.DateTimeField()
    expires = models.DateTimeField()
    last_used = models.DateTimeField(
        null=True, blank=True, help_text="To the hour: updated at most once an hour."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_has_a_name"),
            models.CheckConstraint(
                condition=Q(expires__gt=models.F("created")), name="api_token_expires_after_created"
            ),
            models.CheckConstraint(
                condition=Q(digest__regex=r"^[0-9a-f]{64}$"), name="api_token_digest_is_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
