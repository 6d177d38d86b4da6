import re

import pytest
from django.urls import reverse

from ratings.services import rating_upsert
from recommendations.config import Algorithm
from recommendations.models import RecommenderChoice
from tests.factories import GenreFactory, MovieFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(db):
    return UserFactory(username="other")


# Watch together


def test_watch_together_with_a_friend_who_allows_it(signed_in, user, other):
    other.allow_group_recommendations = True
    other.save()
    drama = GenreFactory(name="Drama")
    movies = MovieFactory.create_batch(5, genres=[drama], rating_count=10, rating_sum=40)
    rating_upsert(user=other, movie=movies[0], score="1.0")  # vetoed for the pair
    response = signed_in.get(reverse("recommendations:watch-together"), {"friend": "OTHER"})
    assert response.context["friend"] == other
    picks = response.context["movies"]
    assert len(picks) == 4 and movies[0] not in picks
    assert all(re.match(rf"Picked for .*({user.username}|other)", m.explanation) for m in picks)
    assert "For you and other" in response.text


@pytest.mark.parametrize("who", ["private", "missing", "myself"])
def test_watch_together_says_not_available_the_same_way(signed_in, user, other, who):
    name = {"private": "other", "missing": "ghost", "myself": user.username}[who]
    response = signed_in.get(reverse("recommendations:watch-together"), {"friend": name})
    assert response.context["friend"] is None and response.context["movies"] == []
    assert f"“{name}” is not available for Watch together." in response.text


# Choosing a recommender


def test_the_recommender_page_explains_every_choice_and_marks_the_one_in_use(signed_in):
    html = signed_in.get(reverse("recommendations:recommender")).content.decode()

    for algorithm in Algorithm:
        assert algorithm.label in html and algorithm.description in html
    assert re.search(r'value="hybrid" checked', html)


def test_a_chosen_recommender_is_remembered_and_shown_on_home(signed_in, user):
    MovieFactory(genres=[GenreFactory(name="Drama")])
    response = signed_in.post(reverse("recommendations:recommender"), {"algorithm": "ease"})

    assert response.status_code == 302 and response["Location"] == reverse("pages:home")
    assert RecommenderChoice.objects.get(user=user).algorithm == "ease"
    home = signed_in.get(reverse("pages:home")).content.decode()
    assert "Recommender: Liked together." in home
    again = signed_in.get(reverse("recommendations:recommender")).content.decode()
    assert re.search(r'value="ease" checked', again)


def test_an_unknown_recommender_is_refused_and_keeps_the_choice(signed_in, user):
    signed_in.post(reverse("recommendations:recommender"), {"algorithm": "als"})

    response = signed_in.post(reverse("recommendations:recommender"), {"algorithm": "svd"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert RecommenderChoice.objects.get(user=user).algorithm == "als"
