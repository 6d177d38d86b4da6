"""Users in the admin: real versus imported accounts, and their rating counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.admin_helpers import assert_staff_only
from tests.factories import MovieFactory, UserFactory, rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    alice = UserFactory(username="alice")
    imported = User.objects.create(
        username="movielens-7", is_imported=True, movielens_id=7, password="!"
    )
    for movie in MovieFactory.create_batch(3):
        rate(alice, movie)
    rate(imported, MovieFactory())
    UserFactory(username="bob")
    return alice, imported


def test_user_pages_load_for_staff_only(client, admin_client, people):
    alice, _ = people
    for url in (
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[alice.pk]),
    ):
        assert admin_client.get(url).status_code == 200, url
        assert_staff_only(client, url)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"alice": 3, "movielens-7": 1, "bob": 0, "admin": 0}),
        ({"imported": "yes"}, {"movielens-7": 1}),
        ({"imported": "no"}, {"alice": 3, "bob": 0, "admin": 0}),
    ],
)
def test_users_list_their_rating_count_and_filter_by_account_kind(
    admin_client, people, query, expected
):
    response = admin_client.get(reverse("admin:accounts_user_changelist"), query)
    result = {user.username: user.ratings_count for user in response.context["cl"].result_list}
    assert result == expected


def test_users_can_be_sorted_by_rating_count(admin_client, people):
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"o": "-4"})
    assert [u.username for u in response.context["cl"].result_list][:2] == ["alice", "movielens-7"]


def test_the_user_list_runs_the_same_queries_for_4_or_24_users(
    admin_client, people, django_assert_max_num_queries
):
    url = reverse("admin:accounts_user_changelist")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for user in User.objects.bulk_create(User(username=f"u{n}", password="!") for n in range(20)):
        rate(user, MovieFactory())
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 24
