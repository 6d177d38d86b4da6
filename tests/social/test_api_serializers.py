"""The social serializers build their output directly (DirectSerializer); it must be what
DRF's own field-by-field path makes of the same rows."""

import json
from datetime import date
from decimal import Decimal

import pytest
from rest_framework import serializers

from social import selectors
from social.services import diary_entry_create, follow, movie_list_create
from social.web.api import feed_item_data
from social.web.api_serializers import (
    DiaryEntrySerializer,
    FeedItemSerializer,
    MovieListSerializer,
    ReviewSerializer,
)
from tests.factories import GenreFactory, MovieFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def generic(serializer: serializers.Serializer, instance) -> dict:
    """What DRF's field-by-field path makes of `instance` with this serializer's fields."""
    return serializers.Serializer.to_representation(serializer, instance)


def same(serializer: serializers.Serializer, instance) -> dict:
    direct = serializer.to_representation(instance)
    assert json.dumps(direct, default=repr) == json.dumps(
        generic(serializer, instance), default=repr
    )
    return direct


@pytest.fixture
def feed(ann, ben):
    """Ben's feed of each kind of item: an entry with a score and a spoiler review, an
    entry without either, a review written alone and a list."""
    follow(follower=ben, followee=ann)
    genres = [GenreFactory(name="Thriller"), GenreFactory(name="Crime")]
    film = MovieFactory(title="Heat", year=1995, genres=genres)
    diary_entry_create(
        user=ann,
        movie_id=film.pk,
        watched_on=date(2026, 1, 2),
        score=Decimal("4.5"),
        review="<b>Tense</b>",
        contains_spoilers=True,
    )
    diary_entry_create(
        user=ann, movie_id=MovieFactory(year=None, genres=[]).pk, watched_on=date(2026, 1, 3)
    )
    ReviewFactory(user=ann, movie=film, like_count=2)
    movie_list_create(user=ann, name="Crime", description="Heists", ranked=True)
    keys = selectors.feed_keys(viewer=ben, offset=0, limit=10)
    return selectors.feed_items(viewer=ben, keys=keys)


def test_each_feed_item_is_what_drf_would_make_of_it(feed):
    assert sorted(item.kind for item in feed) == ["diary", "diary", "list", "review"]
    for item in feed:
        data = same(FeedItemSerializer(), feed_item_data(item))
        assert data["username"] == "ann"
        if item.diary_entry:
            entry = same(DiaryEntrySerializer(), item.diary_entry)
            if entry["review"]:
                assert same(ReviewSerializer(), item.diary_entry.shown_review) == entry["review"]
                assert (entry["score"], entry["review"]["contains_spoilers"]) == (4.5, True)
                assert entry["movie"]["display_title"] == "Heat (1995)"
                assert entry["movie"]["genres"] == ["Crime", "Thriller"]
            else:
                assert (entry["score"], entry["movie"]["genres"]) == (None, [])
        if item.review:
            assert same(ReviewSerializer(), item.review)["likes"] == 2
        if item.movie_list:
            assert same(MovieListSerializer(), item.movie_list)["entry_count"] == 0
