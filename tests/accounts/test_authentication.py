import pytest
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import TokenAuthentication
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_token_authenticates_its_user_in_one_query(django_assert_num_queries):
    alice = UserFactory(username="alice")
    UserFactory(username="bob")
    issued = Token.objects.create(user=alice)

    with django_assert_num_queries(1):
        user, token = TokenAuthentication().authenticate_credentials(issued.key)
        assert token.user is user

    assert (user.pk, user.username, user.email) == (alice.pk, "alice", alice.email)
    assert (token.pk, token.user_id, token.created) == (issued.pk, alice.pk, issued.created)
    assert not hasattr(user, "token_created")
    token.delete()  # what signing the app out does with request.auth
    assert not Token.objects.filter(user=alice).exists()


def test_an_unknown_token_is_refused():
    UserFactory()
    with pytest.raises(AuthenticationFailed, match="Invalid token"):
        TokenAuthentication().authenticate_credentials("0" * 40)


def test_the_token_of_a_deactivated_user_is_refused():
    token = Token.objects.create(user=UserFactory(is_active=False))
    with pytest.raises(AuthenticationFailed, match="User inactive or deleted"):
        TokenAuthentication().authenticate_credentials(token.key)
