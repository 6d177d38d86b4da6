import pytest
from django.db import IntegrityError, transaction

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_imported_user_cannot_have_a_usable_password():
    user = User(username="ml_1", is_imported=True, movielens_id=1)
    user.set_password("hunter2hunter2")
    with pytest.raises(IntegrityError, match="imported_users_cannot_log_in"), transaction.atomic():
        user.save()


def test_imported_user_keeps_its_movielens_id():
    user = User(username="ml_7", is_imported=True, movielens_id=7)
    user.set_unusable_password()
    user.save()
    assert User.objects.get(movielens_id=7).has_usable_password() is False


def test_an_email_belongs_to_one_account_whatever_its_case():
    User.objects.create_user(username="a", email="Same@example.com")
    User.objects.create_user(username="b", email="")
    User.objects.create_user(username="c", email="")  # no address: no conflict
    with pytest.raises(IntegrityError, match="unique_user_email_ci"), transaction.atomic():
        User.objects.create_user(username="d", email="same@EXAMPLE.COM")


def test_privacy_is_opt_in():
    user = User.objects.create_user(username="e")
    assert (user.profile_is_public, user.allow_group_recommendations) == (False, False)
