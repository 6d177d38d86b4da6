"""Account endpoints: register, API tokens, and the signed-in user's profile, settings and
deletion (the data export is ratings.api's).

Tokens are accounts.ApiToken: one per device or app, sent as `Authorization: Token <key>`,
valid for API_TOKEN_TTL or until revoked. Endpoints that take a password have the stricter
`token` throttle scope; obtaining a token also counts towards, and respects, the
django-axes sign-in lockout that protects the login form.
"""

from __future__ import annotations

from contextlib import suppress
from math import ceil

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_serializers import (
    ApiTokenSerializer,
    CredentialsSerializer,
    MeSerializer,
    PasswordConfirmationSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    TokenSerializer,
    VerificationSentSerializer,
)
from accounts.models import ApiToken, User
from accounts.selectors import api_token_list
from accounts.services import (
    VerificationResendTooSoon,
    api_token_create,
    api_token_revoke,
    api_token_revoke_all,
    email_verification_send,
    user_delete,
    user_settings_update,
    user_sign_up,
)
from core.api_policies import ScopedThrottle

UNNAMED_TOKEN = "API client"


def _issue_token(request: Request, user: User, name: str | None) -> dict:
    """A new token for `user`, named by the client or else after its User-Agent."""
    if not (name or "").strip():
        user_agent = request.headers.get("User-Agent", "").strip()
        name = user_agent[: ApiToken.NAME_MAX_LENGTH] or UNNAMED_TOKEN
    api_token, key = api_token_create(user=user, name=name)
    return {"token": key, "api_token": api_token}


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"
    default_detail = "Too many failed sign-in attempts."


class RegisterView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "token"

    @extend_schema(
        tags=["auth"],
        summary="Create an account and get its API token",
        description="A link that confirms the address is mailed to it. The account works "
        "at once; password resets go only to a confirmed address.",
        request=RegisterSerializer,
        responses={201: RegisteredSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data.pop("name", None)
        user = user_sign_up(**serializer.validated_data, site_url=request.build_absolute_uri("/"))
        data = RegisteredSerializer({"user": user, **_issue_token(request, user, name)}).data
        return Response(data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "token"

    def get_permissions(self):
        # Obtaining needs only the password; revoking needs the token itself.
        return [AllowAny()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(
        tags=["auth"],
        summary="Get a new API token for one device or app from your username and password",
        description="Every call issues a new token, valid for API_TOKEN_TTL (90 days by "
        "default); the token is in this answer only. Failed attempts count "
        "towards the sign-in lockout shared with the website: after LOGIN_FAILURE_LIMIT "
        "failures for one username from one address, even the right password gets 429 "
        "(code locked_out) for LOGIN_COOLOFF_MINUTES.",
        request=CredentialsSerializer,
        responses=TokenSerializer,
        examples=[
            OpenApiExample(
                "Credentials",
                value={
                    "username": "alice",
                    "password": "correct horse battery staple",
                    "name": "Alice's phone",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data.pop("name", None)
        # The DRF request, not the Django one: django-axes flags a lockout on the object it
        # is given, and a flag on the Django request would make its middleware answer with
        # the website's HTML lockout page.
        user = authenticate(request=request, **serializer.validated_data)
        if getattr(request, "axes_locked_out", False):
            minutes = ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
            locked_out = LockedOut(
                f"Too many failed sign-in attempts: signing in as this user from your address "
                f"is paused for {minutes} minutes. Resetting your password on the website ends "
                "the pause."
            )
            locked_out.wait = settings.AXES_COOLOFF_TIME.total_seconds()
            raise locked_out
        if user is None:
            raise ValidationError("Unable to sign in with this username and password.")
        # As a website sign-in does: axes resets the failure count, Django sets last_login.
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response(TokenSerializer(_issue_token(request, user, name)).data)

    @extend_schema(
        tags=["auth"],
        summary="Revoke the API token of this request (sign this app out)",
        description="Your other devices and apps stay signed in. A request signed in "
        "with a website session has no token to revoke: 403.",
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise PermissionDenied(
                "This request is not signed in with an API token: revoke one by its id, "
                "DELETE /api/v1/auth/tokens/{id}/."
            )
        # Revoked by another request since it authenticated this one: gone either way.
        with suppress(ApiToken.DoesNotExist):
            api_token_revoke(user=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenListView(GenericAPIView):
    @extend_schema(
        tags=["auth"],
        summary="Your API tokens that still work (one per device or app), newest first",
        description="Never the tokens themselves: the server keeps only their digests.",
        responses=ApiTokenSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        context = {"current": request.auth}
        return self.get_paginated_response(
            ApiTokenSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        tags=["auth"],
        summary="Revoke all your API tokens but the one of this request",
        operation_id="auth_tokens_revoke_all",
        description="Signs out every other device and app (all of them when signed in "
        "with a website session).",
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        keep = request.auth if isinstance(request.auth, ApiToken) else None
        api_token_revoke_all(user=request.user, keep=keep)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_queryset(self) -> QuerySet[ApiToken]:
        return api_token_list(user=self.request.user)


class ApiTokenDetailView(APIView):
    @extend_schema(
        tags=["auth"],
        summary="Revoke one of your API tokens (sign that device or app out)",
        operation_id="auth_tokens_revoke",
        responses={204: None},
    )
    def delete(self, request: Request, token_id: int) -> Response:
        try:
            api_token_revoke(user=request.user, token_id=token_id)
        except ApiToken.DoesNotExist as exc:
            raise NotFound(str(exc)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(summary="Your profile and settings", responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        summary="Change your settings",
        description="A new `email` becomes `pending_email` and gets a confirmation link; "
        "it replaces `email` once the link is followed. Another new address within a "
        "minute of the last link is refused (429, throttled).",
        request=MeSerializer(partial=True),
        responses=MeSerializer,
    )
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {
            name: serializer.validated_data.get(name, getattr(request.user, name))
            for name in ("email", "profile_is_public", "allow_group_recommendations")
        }
        try:
            user = user_settings_update(
                user=request.user, site_url=request.build_absolute_uri("/"), **changes
            )
        except VerificationResendTooSoon as too_soon:
            raise Throttled(too_soon.retry_after_seconds, str(too_soon)) from None
        return Response(MeSerializer(user).data)


class MeVerifyEmailView(APIView):
    @extend_schema(
        summary="Mail the link that confirms your address again",
        description="For `pending_email` if you asked for a new address, else for an "
        "unconfirmed `email`; `sent_to` is null when there is nothing to confirm. At most "
        "one link a minute (429, throttled).",
        request=None,
        responses=VerificationSentSerializer,
    )
    def post(self, request: Request) -> Response:
        try:
            address = email_verification_send(
                user=request.user, site_url=request.build_absolute_uri("/")
            )
        except VerificationResendTooSoon as too_soon:
            raise Throttled(too_soon.retry_after_seconds, str(too_soon)) from None
        except ValueError:  # already confirmed, nothing pending
            address = None
        return Response(VerificationSentSerializer({"sent_to": address}).data)


class MeDeleteView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "token"

    @extend_schema(
        summary="Delete your account and all its data",
        description="A POST rather than DELETE /me/ because it needs a body (your password), "
        "which OpenAPI 3.0 and some HTTP clients do not allow on DELETE. Irreversible: "
        "ratings, lists, tokens and sign-in records go too.",
        request=PasswordConfirmationSerializer,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordConfirmationSerializer(
            data=request.data, context={"user": request.user}
        )
        serializer.is_valid(raise_exception=True)
        user_delete(user=request.user)
        logout(request._request)  # a browsable-API session must not outlive its user
        return Response(status=status.HTTP_204_NO_CONTENT)
