from datetime import timedelta
from math import ceil
from typing import Any

from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.messages.views import SuccessMessageMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import (
    AccountDeleteForm,
    AccountSettingsForm,
    ApiTokenCreateForm,
    SignInForm,
    SignUpForm,
    VerifiedPasswordResetForm,
)
from accounts.models import ApiToken
from accounts.selectors import api_token_list
from accounts.services import (
    EmailVerificationError,
    VerificationResendTooSoon,
    api_token_create,
    api_token_revoke,
    email_verification_send,
    email_verify,
    user_delete,
    user_login_lockout_clear,
    user_settings_update,
    user_sign_up,
)
from core.api_policies import form_post_allowed
from core.http import posted

# Two backends are configured (axes + ModelBackend), so login() must be told which one.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# The API scope of the endpoints that take a password (register among them).
SIGN_UP_THROTTLE_SCOPE = "token"


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(posted(request))
    # Each sign-up mails a link to the address typed in: without a limit the form would
    # send mail to anyone's inbox. The API's register endpoint has the same limit.
    if request.method == "POST" and not form_post_allowed(request, scope=SIGN_UP_THROTTLE_SCOPE):
        form.add_error(None, "Too many sign-ups from your address. Wait a minute and try again.")
        return render(request, "registration/signup.html", {"form": form}, status=429)
    if form.is_valid():
        user = user_sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            site_url=request.build_absolute_uri("/"),
        )
        login(request, user, backend=MODEL_BACKEND)
        messages.success(
            request,
            f"Welcome to movierec, {user.username}! Rate a few films to start. We sent a link "
            f"to {user.email} to confirm your address.",
        )
        # A new account has no ratings to recommend from: onboarding asks for some (skippable).
        return redirect("pages:onboarding")
    return render(request, "registration/signup.html", {"form": form})


class SignInView(SuccessMessageMixin, auth_views.LoginView):
    authentication_form = SignInForm
    redirect_authenticated_user = True
    success_message = "Signed in as %(username)s."


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        # After logout: the old session, and any message stored in it, is gone.
        messages.info(request, "You are signed out.")
        return response


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' response to a locked-out login (AXES_LOCKOUT_CALLABLE)."""
    cooloff_minutes = ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {
        "username": get_client_username(request, credentials),
        "cooloff_minutes": cooloff_minutes,
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    # The most a client waits: the lockout ends a cool-off after the last failure.
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    success_url = reverse_lazy("accounts:settings")
    # Not Django's default name, which the admin's own password change page also uses.
    template_name = "registration/password_change.html"
    success_message = "Your password was changed."


class PasswordResetView(auth_views.PasswordResetView):
    form_class = VerifiedPasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        # The lockout page sends people here, so the new password must work at once.
        user_login_lockout_clear(username=form.user.get_username())
        return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    form = AccountSettingsForm(posted(request), user=request.user)
    if form.is_valid():
        try:
            user = user_settings_update(
                user=request.user, site_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except VerificationResendTooSoon as too_soon:
            form.add_error("email", _resend_later(too_soon))
        else:
            messages.success(request, "Your settings were saved.")
            if user.pending_email:
                messages.info(
                    request,
                    f"We sent a link to {user.pending_email}. Your address changes to it once "
                    "you follow the link.",
                )
            return redirect("accounts:settings")
    return _settings_page(request, form=form)


def _settings_page(
    request: HttpRequest,
    *,
    form: AccountSettingsForm | None = None,
    token_form: ApiTokenCreateForm | None = None,
    created: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": AccountSettingsForm(user=request.user) if form is None else form,
        "token_form": ApiTokenCreateForm() if token_form is None else token_form,
        "api_tokens": api_token_list(user=request.user),
        "api_token_lifetime": _lifetime(settings.API_TOKEN_TTL),
        "created_token": created,
    }
    return render(request, "accounts/settings.html", context, status=status)


def _lifetime(duration: timedelta) -> str:
    """API_TOKEN_TTL in words; it is a whole number of days or of hours."""
    if duration % timedelta(days=1):
        hours = duration // timedelta(hours=1)
        return f"{hours} hour{pluralize(hours)}"
    return f"{duration.days} day{pluralize(duration.days)}"


@never_cache
@login_required
@require_POST
def api_token_create_view(request: HttpRequest) -> HttpResponse:
    """Issue an API token from the settings page. Its secret is in this answer only (no
    redirect, no session): the database keeps its digest, so it can never be shown again."""
    token_form = ApiTokenCreateForm(request.POST)
    if not token_form.is_valid():  # the form checks what the service does: a name, 64 at most
        return _settings_page(request, token_form=token_form, status=400)
    token, secret = api_token_create(user=request.user, name=token_form.cleaned_data["name"])
    return _settings_page(request, created={"token": token, "secret": secret})


@login_required
@require_http_methods(["POST"])
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Sign one app or device out (its API token), from the settings page."""
    try:
        api_token_revoke(user=request.user, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such API token.") from None
    messages.success(request, "The app was signed out.")
    return redirect("accounts:settings")


def _resend_later(too_soon: VerificationResendTooSoon) -> str:
    return (
        f"We sent you a link less than a minute ago. Wait {too_soon.retry_after_seconds} "
        "seconds before asking for another."
    )


@never_cache
@login_required
@require_POST
def email_verification_resend(request: HttpRequest) -> HttpResponse:
    try:
        address = email_verification_send(
            user=request.user, site_url=request.build_absolute_uri("/")
        )
    except VerificationResendTooSoon as too_soon:
        messages.error(request, _resend_later(too_soon))
    except ValueError as nothing_to_verify:
        messages.info(request, str(nothing_to_verify))
    else:
        messages.success(request, f"We sent a new link to {address}.")
    return redirect("accounts:settings")


@never_cache
@require_GET
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link of a verification mail; it works without signing in (the token names the
    account), so it can be opened on another device."""
    try:
        user = email_verify(token=token)
    except EmailVerificationError as error:
        return render(request, "accounts/verify_email.html", {"error": error}, status=400)
    return render(request, "accounts/verify_email.html", {"verified_user": user})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(posted(request), user=request.user)
    if form.is_valid():
        user_delete(user=request.user)
        logout(request)
        messages.success(request, "Your account and all its data were deleted. Goodbye!")
        return redirect("pages:home")
    return render(request, "accounts/delete.html", {"form": form})
