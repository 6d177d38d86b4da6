from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("account/", views.account_settings, name="settings"),
    path(
        "account/verify-email/",
        views.email_verification_resend,
        name="verify-email-resend",
    ),
    path("verify-email/<str:token>/", views.verify_email, name="verify-email"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/delete/", views.account_delete, name="delete"),
    path("account/api-tokens/", views.api_token_create_view, name="api-token-create"),
    path(
        "account/api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api-token-revoke",
    ),
]
