"""The recommender and the social layer: taste match from the model's vectors, "Loved by N
people you follow", Watch together's people you follow."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from ratings.models import Rating
from recommendations.explain import explain_followed_love
from recommendations.selectors import user_ratings_many
from social.models import Follow
from social.services import block
from social.web.taste_match import _vector_similarity, taste_match
from tests.api.conftest import V1, token_client
from tests.recommendations.conftest import trained, world  # noqa: F401

pytestmark = pytest.mark.django_db


def _public(*users) -> None:
    User.objects.filter(pk__in=[user.pk for user in users]).update(profile_is_public=True)


def test_the_taste_vectors_tell_alike_people_from_unalike_ones(world, trained):  # noqa: F811
    fan, alike, unalike = world.space_fans[0], world.space_fans[1], world.romance_fans[0]
    ratings = user_ratings_many(user_ids=[fan.pk, alike.pk, unalike.pk])
    assert _vector_similarity(ratings[fan.pk], ratings[alike.pk]) > _vector_similarity(
        ratings[fan.pk], ratings[unalike.pk]
    )
    match = taste_match(user_a=fan, user_b=alike)
    assert match is not None and match.percent >= 60 and match.shared >= 5


def test_picks_say_when_people_you_follow_love_them(world, trained):  # noqa: F811
    viewer, *followed = world.space_fans[:4]
    _public(*followed)
    for person in followed:
        Follow.objects.create(follower=viewer, followee=person)
    block(blocker=followed[2], blocked=viewer)  # a blocked follow stops counting

    results = token_client(viewer).get(f"{V1}/recommendations/", {"k": 10}).json()["results"]
    loved_by = {
        movie_id: Rating.objects.filter(
            movie_id=movie_id, user__in=followed[:2], score__gte=Decimal("4.0")
        ).count()
        for movie_id in (item["movie"]["id"] for item in results)
    }
    assert any(loved_by.values()), "the world should give some pick a followed fan"
    for item in results:
        count = loved_by[item["movie"]["id"]]
        if count:
            assert item["explanation"] == explain_followed_love(count)
        else:
            assert not item["explanation"].startswith("Loved by")


def test_watch_together_offers_the_people_you_follow_who_allow_it(client, world):  # noqa: F811
    viewer, allows, refuses = world.space_fans[:3]
    _public(allows, refuses)
    User.objects.filter(pk=allows.pk).update(allow_group_recommendations=True)
    for person in (allows, refuses):
        Follow.objects.create(follower=viewer, followee=person)
    client.force_login(viewer)
    response = client.get(reverse("recommendations:watch-together"))
    assert list(response.context["followed_partners"]) == [allows]
    assert f'name="others" value="{allows.username}"' in response.text
    assert refuses.username not in response.text
