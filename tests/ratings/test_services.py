import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from catalog.models import Movie
from ratings.models import NotInterested, Rating, WatchlistItem
from ratings.selectors import rating_list, watchlist_list
from ratings.services import (
    movie_rating_counters_lock,
    movie_rating_counters_recount,
    not_interested_add,
    not_interested_remove,
    rating_delete,
    rating_upsert,
    watchlist_add,
    watchlist_remove,
)
from tests.factories import MovieFactory, RatingFactory, UserFactory


def counters(movie) -> tuple[int, Decimal]:
    movie = Movie.objects.get(pk=movie.pk)
    return movie.rating_count, movie.rating_sum


@pytest.mark.django_db
def test_upsert_creates_then_updates_and_keeps_counters_exact(user, movie):
    other = UserFactory()
    rating_upsert(user=user, movie=movie, score="4.5")
    rating_upsert(user=other, movie=movie.pk, score=Decimal("3.0"))
    assert counters(movie) == (2, Decimal("7.5"))

    rating = rating_upsert(user=user, movie=movie, score=2)
    assert rating.score == Decimal("2.0")
    assert Rating.objects.filter(user=user).count() == 1
    assert counters(movie) == (2, Decimal("5.0"))
    assert Movie.objects.get(pk=movie.pk).rating_mean == pytest.approx(2.5)


@pytest.mark.django_db
def test_delete_removes_the_rating_and_its_share_of_the_counters(user, movie):
    rating_upsert(user=user, movie=movie, score="4.0")
    rating_upsert(user=UserFactory(), movie=movie, score="3.5")

    assert rating_delete(user=user, movie=movie) is True
    assert rating_delete(user=user, movie=movie) is False
    assert counters(movie) == (1, Decimal("3.5"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("7", "less than or equal to 5.0"),
        ("4.3", "not a half-star score"),
        ("0", "greater than or equal to 0.5"),
        ("four", "must be a decimal number"),
    ],
)
def test_bad_scores_are_rejected_with_a_clear_message_and_nothing_written(
    user, movie, score, message
):
    rating_upsert(user=user, movie=movie, score="3.0")

    with pytest.raises(ValidationError) as excinfo:
        rating_upsert(user=user, movie=movie, score=score)

    assert message in " ".join(excinfo.value.message_dict["score"])
    assert Rating.objects.get(user=user, movie=movie).score == Decimal("3.0")
    assert counters(movie) == (1, Decimal("3.0"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "service",
    [rating_upsert, rating_delete, watchlist_add, not_interested_add],
)
def test_unknown_movie_is_a_clear_error(user, service):
    kwargs = {"score": "4.0"} if service is rating_upsert else {}
    with pytest.raises(ValidationError, match="Movie 987654321 does not exist"):
        service(user=user, movie=987654321, **kwargs)
    assert not Rating.objects.exists()
    assert not WatchlistItem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_ratings_keep_counters_exact():
    movie = MovieFactory()
    users = [UserFactory(username=f"racer{i}", password="!") for i in range(8)]
    barrier = threading.Barrier(len(users))
    errors = []

    def rate(user, score):
        try:
            barrier.wait()
            rating_upsert(user=user, movie=movie, score=score)
            rating_upsert(user=user, movie=movie, score=score + 1)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rate, args=(u, Decimal("2.5"))) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert counters(movie) == (8, Decimal("28.0"))


@pytest.mark.django_db
def test_watchlist_and_not_interested_are_idempotent_lists(user, movie):
    first = watchlist_add(user=user, movie=movie)
    assert watchlist_add(user=user, movie=movie.pk) == first
    assert [item.movie for item in watchlist_list(user=user)] == [movie]
    assert watchlist_remove(user=user, movie=movie) is True
    assert watchlist_remove(user=user, movie=movie) is False

    not_interested_add(user=user, movie=movie)
    not_interested_add(user=user, movie=movie)
    assert NotInterested.objects.filter(user=user).count() == 1
    assert not_interested_remove(user=user, movie=movie) is True
    assert not NotInterested.objects.exists()


@pytest.mark.django_db
def test_rating_list_is_most_recent_first(user):
    older, newer = MovieFactory(), MovieFactory()
    rating_upsert(user=user, movie=older, score="3.0")
    rating_upsert(user=user, movie=newer, score="4.0")
    assert [r.movie for r in rating_list(user=user)] == [newer, older]


# --- The counters' one owner -------------------------------------------------------------


@pytest.mark.django_db
def test_recount_makes_the_counters_exact_and_zeroes_movies_left_without_ratings(user, movie):
    rated, unrated = MovieFactory(), MovieFactory()
    RatingFactory(user=user, movie=rated, score=Decimal("4.5"))  # written around the services
    RatingFactory(user=UserFactory(), movie=rated, score=Decimal("2.0"))
    Movie.objects.filter(pk=unrated.pk).update(rating_count=3, rating_sum=Decimal("9.0"))

    assert movie_rating_counters_recount(movie_ids=[rated.pk, unrated.pk]) == 2
    assert counters(rated) == (2, Decimal("6.5"))
    assert counters(unrated) == (0, Decimal("0"))
    assert movie_rating_counters_recount() == 0  # exact already: nothing to change


@pytest.mark.django_db
def test_locking_unknown_movies_names_them_and_locks_known_ones_in_id_order(movie):
    second = MovieFactory()
    assert movie_rating_counters_lock(movie_ids=[second.pk, movie.pk, second.pk]) == sorted(
        [movie.pk, second.pk]
    )
    with pytest.raises(ValidationError) as one:
        movie_rating_counters_lock(movie_ids=[movie.pk, 0])
    assert one.value.message_dict == {"movie": ["Movie 0 does not exist."]}
    with pytest.raises(ValidationError) as two:
        movie_rating_counters_lock(movie_ids=[-1, 0])
    assert two.value.message_dict == {"movie": ["Movies [-1, 0] do not exist."]}


@pytest.mark.django_db
def test_deleting_a_user_any_way_takes_their_ratings_off_the_counters(user, other_user, movie):
    """The admin and a plain delete() count too, not only the account page's service."""
    rating_upsert(user=user, movie=movie, score="5.0")
    rating_upsert(user=other_user, movie=movie, score="3.0")

    user.delete()

    assert counters(movie) == (1, Decimal("3.0"))
    assert not Rating.objects.filter(user_id=user.pk).exists()
