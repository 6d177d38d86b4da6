import pytest
from django.urls import reverse

PASSWORD = "correct horse battery staple"  # UserFactory's


@pytest.fixture
def sign_in(client):
    """Sign in through the real login form (client.login bypasses django-axes' request)."""

    def sign_in(username: str, password: str = PASSWORD, **extra):
        return client.post(
            reverse("accounts:login"), {"username": username, "password": password}, **extra
        )

    return sign_in
