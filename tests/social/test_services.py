from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from ratings.models import Rating
from social import selectors
from social.models import DiaryEntry, Follow, ListEntry, MovieList, Notification, Review
from social.services import (
    block,
    diary_entry_create,
    diary_entry_delete,
    diary_entry_update,
    follow,
    list_entries_reorder,
    list_entry_add,
    list_entry_move,
    movie_list_clone,
    movie_list_create,
    notifications_mark_read,
    review_like,
    review_unlike,
    unfollow,
)
from tests.factories import MovieFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def test_a_diary_entry_with_a_score_sets_the_rating_and_keeps_the_review_as_written(ann, film):
    text = "<script>alert(1)</script>\n\nSecond paragraph."
    entry = diary_entry_create(
        user=ann,
        movie_id=film.pk,
        watched_on=date(2026, 3, 2),
        rewatch=True,
        score=Decimal("4.5"),
        review=text,
        contains_spoilers=True,
    )
    assert Rating.objects.get(user=ann, movie=film).score == Decimal("4.5")
    film.refresh_from_db()
    assert film.rating_count == 1
    assert entry.review.text == text and entry.review.contains_spoilers


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"score": Decimal("4.3")}, "score"),
        ({"score": Decimal("7")}, "score"),
        ({"review": "   "}, "review"),
        ({"movie_id": 999_999}, "movie"),
    ],
)
def test_bad_diary_input_is_refused_and_writes_nothing(ann, film, fields, error):
    args = {"user": ann, "movie_id": film.pk, "watched_on": date(2026, 3, 2), **fields}
    with pytest.raises(ValidationError) as refused:
        diary_entry_create(**args)
    assert error in refused.value.message_dict
    assert not DiaryEntry.objects.exists() and not Rating.objects.exists()
    assert not Review.objects.exists()


def test_updating_an_entry_changes_its_review_and_removing_the_text_deletes_it(ann, film):
    entry = diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 3, 2))
    diary_entry_update(entry=entry, review="Now with words", contains_spoilers=True)
    assert Review.objects.get(diary_entry=entry).contains_spoilers
    diary_entry_update(entry=entry, score=Decimal("2.0"), watched_on=date(2026, 3, 1))
    entry.refresh_from_db()
    assert (entry.score, entry.watched_on) == (Decimal("2.0"), date(2026, 3, 1))
    assert Review.objects.get(diary_entry=entry).text == "Now with words"
    diary_entry_update(entry=entry, review="")
    assert not Review.objects.exists()
    diary_entry_delete(entry=entry)
    assert not DiaryEntry.objects.exists()
    assert Rating.objects.get(user=ann).score == Decimal("2.0")  # the rating stays


def test_nobody_reaches_anothers_diary_review_or_list_to_edit_it(ann, ben, film):
    entry = diary_entry_create(user=ann, movie_id=film.pk, watched_on=date(2026, 3, 2), review="x")
    movie_list = movie_list_create(user=ann, name="Mine")
    with pytest.raises(Http404):
        selectors.diary_entry_owned_get(user=ben, entry_id=entry.pk)
    with pytest.raises(Http404):
        selectors.review_owned_get(user=ben, review_id=entry.review.pk)
    with pytest.raises(Http404):
        selectors.movie_list_owned_get(user=ben, list_id=movie_list.pk)
    assert selectors.diary_entry_owned_get(user=ann, entry_id=entry.pk) == entry


def test_likes_are_counted_once_and_notify_the_author(ann, ben, film):
    review = ReviewFactory(user=ann, movie=film)
    assert review_like(user=ben, review=review) is True
    assert review_like(user=ben, review=review) is False
    review_like(user=ann, review=review)  # liking your own: counted, nobody notified
    review.refresh_from_db()
    assert review.like_count == 2
    assert list(Notification.objects.values_list("recipient__username", "actor__username")) == [
        ("ann", "ben")
    ]
    assert selectors.notifications_unread_count(user=ann) == 1
    notifications_mark_read(user=ann)
    assert selectors.notifications_unread_count(user=ann) == 0
    assert review_unlike(user=ben, review=review) is True
    assert review_unlike(user=ben, review=review) is False
    review.refresh_from_db()
    assert review.like_count == 1


def test_follow_notifies_once_and_blocking_ends_follows_both_ways(ann, ben):
    assert follow(follower=ben, followee=ann) is True
    assert follow(follower=ben, followee=ann) is False
    follow(follower=ann, followee=ben)
    assert Notification.objects.filter(kind="follow").count() == 2
    block(blocker=ann, blocked=ben)
    assert not Follow.objects.exists() and not Notification.objects.exists()
    with pytest.raises(ValidationError):
        follow(follower=ann, followee=ann)
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=ann, followee=ann)  # the constraint, too
    assert unfollow(follower=ann, followee=ben) is False


def test_list_entries_append_reorder_move_and_refuse_duplicates(ann):
    movie_list = movie_list_create(user=ann, name="Ranked", ranked=True)
    films = [MovieFactory() for _ in range(3)]
    for film in films:
        list_entry_add(movie_list=movie_list, movie_id=film.pk, note=f"on {film.title}")
    with pytest.raises(ValidationError) as refused:
        list_entry_add(movie_list=movie_list, movie_id=films[0].pk)
    assert "movie" in refused.value.message_dict

    def order():
        return list(movie_list.entries.order_by("position").values_list("movie_id", flat=True))

    a, b, c = (film.pk for film in films)
    list_entries_reorder(movie_list=movie_list, movie_ids=[c, a, b])
    assert order() == [c, a, b]
    list_entry_move(movie_list=movie_list, movie_id=c, offset=1)
    assert order() == [a, c, b]
    list_entry_move(movie_list=movie_list, movie_id=a, offset=-1)  # already first
    assert order() == [a, c, b]
    with pytest.raises(ValidationError):
        list_entries_reorder(movie_list=movie_list, movie_ids=[a, b])
    assert order() == [a, c, b]
    assert list(movie_list.entries.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]


def test_a_clone_is_a_private_copy_with_entries_and_notes(ann, ben, film):
    source = movie_list_create(user=ann, name="Ghibli", description="All of them", ranked=True)
    list_entry_add(movie_list=source, movie_id=film.pk, note="The best")
    copy = movie_list_clone(user=ben, source=source)
    assert (copy.user, copy.name, copy.visibility, copy.ranked) == (
        ben,
        "Ghibli (copy)",
        MovieList.Visibility.PRIVATE,
        True,
    )
    assert list(ListEntry.objects.filter(movie_list=copy).values_list("movie_id", "note")) == [
        (film.pk, "The best")
    ]


@pytest.mark.parametrize(
    ("fields", "error"),
    [({"name": " "}, "name"), ({"name": "x", "visibility": "secret"}, "visibility")],
)
def test_bad_list_input_is_refused(ann, fields, error):
    with pytest.raises(ValidationError) as refused:
        movie_list_create(user=ann, **fields)
    assert error in refused.value.message_dict
    assert not MovieList.objects.exists()
