import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.selectors import (
    user_email_taken,
    user_profile_get,
)
from tests.factories import RatingFactory

pytestmark = pytest.mark.django_db


def test_private_profile_only_for_its_owner(user, other_user):
    RatingFactory.create_batch(2, user=user)
    assert user_profile_get(username=user.username, viewer=user).ratings_count == 2
    for viewer in (other_user, AnonymousUser()):
        with pytest.raises(User.DoesNotExist):
            user_profile_get(username=user.username, viewer=viewer)


def test_public_profile_for_everyone(user):
    User.objects.filter(pk=user.pk).update(profile_is_public=True)
    profile = user_profile_get(username=user.username, viewer=AnonymousUser())
    assert (profile.pk, profile.ratings_count) == (user.pk, 0)


def test_email_taken_ignores_case_and_the_user_themselves(user):
    assert user_email_taken(email=user.email.upper()) is True
    assert user_email_taken(email=user.email, exclude=user) is False
    assert user_email_taken(email="free@example.com") is False
