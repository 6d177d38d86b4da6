"""The two-taste accounts: made with exactly their likes, and each side of their picks counted."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from ratings.models import Rating
from ratings.services import rating_upsert
from recommendations.two_tastes import (
    TWO_TASTE_ACCOUNTS,
    TwoTastesReport,
    two_taste_accounts_ensure,
)
from tests.factories import GenreFactory, MovieFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def their_films():
    return [
        MovieFactory(movielens_id=movie_id, genres=[GenreFactory(name=side.genre)])
        for account in TWO_TASTE_ACCOUNTS
        for side in account.sides
        for movie_id in side.movielens_ids
    ]


def test_the_accounts_get_exactly_their_five_star_ratings_again_on_every_run(their_films):
    (first, user), _ = two_taste_accounts_ensure()
    rating_upsert(user=user, movie=MovieFactory(), score="1.0")  # a visitor's rating
    rating_upsert(user=user, movie=their_films[0], score="2.0")

    (again, same), _ = two_taste_accounts_ensure()

    assert same == user and not user.has_usable_password()
    scores = Rating.objects.filter(user=user).values_list("movie__movielens_id", "score")
    wanted = {movie_id for side in first.sides for movie_id in side.movielens_ids}
    assert dict(scores) == dict.fromkeys(wanted, Decimal("5.0"))


def test_a_side_is_counted_by_its_genre_and_a_film_of_both_counts_twice():
    account = TWO_TASTE_ACCOUNTS[0]
    picks = [("WALL·E", ["Sci-Fi", "Animation"])] * 3 + [("Aliens", ["Sci-Fi"]), ("Heat", [])]
    report = TwoTastesReport(account=account, picks=picks)

    assert (report.count("Sci-Fi"), report.count("Animation")) == (4, 3)
    assert not report.balanced
    assert TwoTastesReport(account=account, picks=[*picks, ("Up", ["Animation"])]).balanced


def test_the_command_names_the_films_the_catalogue_lacks():
    with pytest.raises(CommandError, match="lacks MovieLens films 260, 1214"):
        call_command("two_tastes")
