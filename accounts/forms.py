from collections.abc import Iterator

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.core.exceptions import ValidationError

from accounts.models import ApiToken, User
from accounts.passwords import password_length_validator
from accounts.selectors import user_email_taken

EMAIL_HELP = (
    "Used only to reset your password; never shown to anyone. We mail you a link to confirm it."
)
EMAIL_CHANGE_HELP = (
    "Used only to reset your password; never shown to anyone. A new address replaces this "
    "one once you follow the link we mail to it."
)
EMAIL_TAKEN = "Another account already uses this email address."


class SignUpForm(UserCreationForm):
    """Username, email and a password checked by AUTH_PASSWORD_VALIDATORS."""

    email = forms.EmailField(help_text=EMAIL_HELP)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if user_email_taken(email=email):
            raise ValidationError(EMAIL_TAKEN, code="email_taken")
        return email


class SignInForm(AuthenticationForm):
    """Django's, refusing an overlong password before it is hashed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].validators.append(password_length_validator)


class AccountSettingsForm(forms.Form):
    email = forms.EmailField(help_text=EMAIL_CHANGE_HELP)
    profile_is_public = forms.BooleanField(
        required=False,
        label="Make my profile public",
        help_text="Anyone can then see your profile page: when you joined and how many "
        "films you rated.",
    )
    allow_group_recommendations = forms.BooleanField(
        required=False,
        label="Friends may get Watch Together picks with me",
        help_text="Your ratings then count when a friend asks for a film to watch together.",
    )

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "email": user.email,
                "profile_is_public": user.profile_is_public,
                "allow_group_recommendations": user.allow_group_recommendations,
            },
        )
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if user_email_taken(email=email, exclude=self.user):
            raise ValidationError(EMAIL_TAKEN, code="email_taken")
        return email


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Name of the app or device",
        max_length=ApiToken.NAME_MAX_LENGTH,
        help_text="So that you know which token to sign out later, e.g. “My phone” or “A script”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class VerifiedPasswordResetForm(PasswordResetForm):
    """Reset links go only to addresses their owner has confirmed: anyone can sign up with
    any address. The page answers the same either way, so it tells nobody which exist."""

    def get_users(self, email: str) -> Iterator[User]:
        return (user for user in super().get_users(email) if user.email_verified)


class AccountDeleteForm(forms.Form):
    """Asks for both the username and the password, so a left-open session is not enough."""

    username = forms.CharField(
        label="Type your username to confirm", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        validators=[password_length_validator],
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if username != self.user.username:
            raise ValidationError("This is not your username.", code="wrong_username")
        return username

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError("This is not your password.", code="wrong_password")
        return password
