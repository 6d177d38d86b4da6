"""The longest password accepted. Hashing is slow on purpose, so a megabyte-long password
would cost the server a second of CPU per try: longer ones are refused before hashing, with
a clear message, wherever a password is set or checked."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

PASSWORD_MAX_LENGTH = 4096
PASSWORD_TOO_LONG = f"Passwords are at most {PASSWORD_MAX_LENGTH:,} characters."

# For the fields that take a password (sign-in, confirmations), in forms and serializers.
password_length_validator = MaxLengthValidator(PASSWORD_MAX_LENGTH, message=PASSWORD_TOO_LONG)


class MaximumLengthValidator:
    """AUTH_PASSWORD_VALIDATORS' rule for new passwords (sign-up, change, reset)."""

    def validate(self, password: str, user=None) -> None:
        if len(password) > PASSWORD_MAX_LENGTH:
            raise ValidationError(PASSWORD_TOO_LONG, code="password_too_long")

    def get_help_text(self) -> str:
        return PASSWORD_TOO_LONG
