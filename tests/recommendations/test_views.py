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


def test_watch_together_with_friends_who_allow_it(signed_in, user, other):
    third = UserFactory(username="third", allow_group_recommendations=True)
    other.allow_group_recommendations = True
    other.save()
    drama = GenreFactory(name="Drama")
    movies = MovieFactory.create_batch(5, genres=[drama], rating_count=10, rating_sum=40)
    rating_upsert(user=other, movie=movies[0], score="1.0")  # vetoed for the group
    rating_upsert(user=third, movie=movies[1], score="5.0")  # seen by one of them
    url = reverse("recommendations:watch-together")

    response = signed_in.get(url, {"others": ["OTHER, third"]})

    assert [member for member, _ in response.context["group"]] == [user, other, third]
    picks = response.context["movies"]
    assert len(picks) == 3 and not {movies[0], movies[1]} & set(picks)
    # The viewer has no ratings: only the others' tastes are named.
    assert all(re.match(r"Picked for (other|third)", m.explanation) for m in picks)
    assert all(user.username not in m.explanation for m in picks)
    assert "For all 3 of you" in response.text
    assert "new here: picked from the others' tastes" in response.text


@pytest.mark.parametrize(
    ("names", "error"),
    [
        (", ".join(f"friend{i}" for i in range(8)), "At most 7 people besides you (8 named)."),
        (" , ", "Name at least one person to watch with."),
    ],
)
def test_watch_together_takes_one_to_seven_others(signed_in, names, error):
    response = signed_in.get(reverse("recommendations:watch-together"), {"others": names})
    assert response.context["movies"] == [] and response.context["group"] == []
    assert error in response.text


@pytest.mark.parametrize("who", ["private", "missing", "myself"])
def test_watch_together_says_not_available_the_same_way(signed_in, user, other, who):
    name = {"private": "other", "missing": "ghost", "myself": user.username}[who]
    response = signed_in.get(reverse("recommendations:watch-together"), {"others": name})
    assert response.context["group"] == [] and response.context["movies"] == []
    assert f"No group recommendations with {name.casefold()}: each member" in response.text


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
