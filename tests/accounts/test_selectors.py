import pytest

from accounts.selectors import user_email_taken

pytestmark = pytest.mark.django_db


def test_email_taken_ignores_case_and_the_user_themselves(user):
    assert user_email_taken(email=user.email.upper()) is True
    assert user_email_taken(email=user.email, exclude=user) is False
    assert user_email_taken(email="free@example.com") is False
