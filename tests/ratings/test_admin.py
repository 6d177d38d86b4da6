import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from ratings.models import Rating
from tests.admin_helpers import assert_staff_only
from tests.factories import MovieFactory, UserFactory, rate


@pytest.fixture
def ratings(db):
    heat, alien = MovieFactory(title="Heat"), MovieFactory(title="Alien")
    alice = UserFactory(username="alice")
    imported = User.objects.create(
        username="movielens-7", is_imported=True, movielens_id=7, password="!"
    )
    return [rate(alice, heat, "4.5"), rate(alice, alien, "2.0"), rate(imported, heat, "4.5")]


def test_ratings_cannot_be_added_changed_or_deleted(admin_client, ratings):
    rating = ratings[0]
    assert admin_client.get(reverse("admin:ratings_rating_add")).status_code == 403
    change = reverse("admin:ratings_rating_change", args=[rating.pk])
    assert admin_client.post(change, {"score": "1.0"}).status_code == 403
    delete = reverse("admin:ratings_rating_delete", args=[rating.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Rating.objects.get(pk=rating.pk).score == rating.score
    assert (
        "delete_selected" not in admin_client.get(reverse("admin:ratings_rating_changelist")).text
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"score": "4.5"}, {("alice", "Heat"), ("movielens-7", "Heat")}),
        ({"imported": "yes"}, {("movielens-7", "Heat")}),
        ({"imported": "no"}, {("alice", "Heat"), ("alice", "Alien")}),
        ({"q": "movielens-7"}, {("movielens-7", "Heat")}),
        ({"q": "alien"}, {("alice", "Alien")}),
    ],
)
def test_rating_filters_and_search(admin_client, ratings, query, expected):
    response = admin_client.get(reverse("admin:ratings_rating_changelist"), query)
    assert response.status_code == 200
    found = {(r.user.username, r.movie.title) for r in response.context["cl"].result_list}
    assert found == expected


def test_the_rating_list_runs_the_same_queries_for_3_or_33_ratings(
    admin_client, ratings, django_assert_max_num_queries
):
    url = reverse("admin:ratings_rating_changelist")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for user in UserFactory.create_batch(30):
        rate(user, MovieFactory(), "3.0")
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 33


def test_list_and_detail_pages_load_for_staff_only(client, admin_client, ratings):
    for url in (
        reverse("admin:ratings_rating_changelist"),
        reverse("admin:ratings_rating_change", args=[ratings[0].pk]),
    ):
        assert admin_client.get(url).status_code == 200, url
        assert_staff_only(client, url)
