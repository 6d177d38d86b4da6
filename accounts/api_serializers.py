"""Serializers of the account endpoints (accounts.api)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from accounts.forms import SignUpForm
from accounts.models import ApiToken
from accounts.passwords import password_length_validator
from accounts.selectors import user_email_taken
from core.api import StrictCharField


class MeSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(
        help_text="Used only to reset your password. A new one becomes `pending_email` "
        "until its confirmation link is followed."
    )
    email_verified = serializers.BooleanField(
        read_only=True, help_text="You followed the link mailed to `email`."
    )
    pending_email = serializers.EmailField(
        read_only=True,
        allow_blank=True,
        help_text="A new address waiting for its link to be followed; empty when none.",
    )
    profile_is_public = serializers.BooleanField(
        help_text="Others may see your profile page (when you joined, how many films you rated)."
    )
    allow_group_recommendations = serializers.BooleanField(
        help_text="Others may name you for group recommendations (your ratings then count)."
    )
    date_joined = serializers.DateTimeField(read_only=True)

    def validate_email(self, email: str) -> str:
        if user_email_taken(email=email, exclude=self.instance):
            raise ValidationError("Another account already uses this email address.")
        return email


class TokenNameSerializer(serializers.Serializer):
    name = StrictCharField(
        required=False,
        max_length=ApiToken.NAME_MAX_LENGTH,
        help_text="The device or app the token is for, shown in your list of tokens. "
        "Defaults to the request's User-Agent.",
    )


class RegisterSerializer(TokenNameSerializer):
    username = StrictCharField()
    email = serializers.EmailField()
    password = StrictCharField(
        write_only=True, style={"input_type": "password"}, validators=[password_length_validator]
    )

    # The website's sign-up form owns the rules (username characters and uniqueness, email
    # uniqueness, AUTH_PASSWORD_VALIDATORS); its password fields are this one's `password`.
    _FORM_FIELDS = {"password1": "password", "password2": "password"}

    def validate(self, attrs: dict) -> dict:
        form = SignUpForm(
            {
                "username": attrs["username"],
                "email": attrs["email"],
                "password1": attrs["password"],
                "password2": attrs["password"],
            }
        )
        if not form.is_valid():
            errors: dict[str, list[str]] = {}
            for name, messages in form.errors.items():
                errors.setdefault(self._FORM_FIELDS.get(name, name), []).extend(messages)
            raise ValidationError({field: list(dict.fromkeys(m)) for field, m in errors.items()})
        return attrs


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="Revoke with DELETE auth/tokens/{id}/.")
    name = serializers.CharField(read_only=True)
    key_prefix = serializers.CharField(
        read_only=True, help_text="The token's first characters, to recognise it."
    )
    created = serializers.DateTimeField(read_only=True)
    expires = serializers.DateTimeField(read_only=True)
    last_used = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="To the hour; null until first used."
    )
    current = serializers.SerializerMethodField(
        help_text="Whether this request was authenticated with this token."
    )

    def get_current(self, token: ApiToken) -> bool:
        return token.pk == getattr(self.context.get("current"), "pk", None)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True,
        help_text="Send as `Authorization: Token <token>`. Shown only this once: the server "
        "keeps a digest of it.",
    )
    id = serializers.IntegerField(read_only=True, source="api_token.pk")
    name = serializers.CharField(read_only=True, source="api_token.name")
    expires = serializers.DateTimeField(read_only=True, source="api_token.expires")


class RegisteredSerializer(TokenSerializer):
    user = MeSerializer(read_only=True)


class VerificationSentSerializer(serializers.Serializer):
    sent_to = serializers.EmailField(
        read_only=True,
        allow_null=True,
        help_text="The address the link went to; null when there is nothing to confirm.",
    )


class CredentialsSerializer(TokenNameSerializer):
    username = StrictCharField()
    password = StrictCharField(
        style={"input_type": "password"},
        trim_whitespace=False,
        validators=[password_length_validator],
    )


class PasswordConfirmationSerializer(serializers.Serializer):
    password = StrictCharField(
        style={"input_type": "password"},
        trim_whitespace=False,
        validators=[password_length_validator],
        help_text="Your password.",
    )

    def validate_password(self, password: str) -> str:
        if not self.context["user"].check_password(password):
            raise ValidationError("This is not your password.")
        return password
