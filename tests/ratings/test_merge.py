"""Merging duplicate movies: every user's data survives, conflicts follow the documented rule."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.models import Credit, Movie
from ratings.merge import movies_merge
from ratings.models import NotInterested, Rating, WatchlistItem
from ratings.services import not_interested_add, rating_upsert, watchlist_add
from tests.factories import CreditFactory, GenreFactory, MovieFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _rate(user, movie, score: str, minutes_ago: int) -> Rating:
    """Through the service (exact movie counters), then dated."""
    rating = rating_upsert(user=user, movie=movie, score=score)
    Rating.objects.filter(pk=rating.pk).update(updated_at=NOW - timedelta(minutes=minutes_ago))
    return rating


@pytest.fixture
def heat(db):
    crime, drama = GenreFactory(name="Crime"), GenreFactory(name="Drama")
    kept = MovieFactory(
        movielens_id=6, title="Heat", year=1995, genres=[crime], movielens_tags=["heist"],
        needs_embedding=False,
    )  # fmt: skip
    richer = MovieFactory(
        movielens_id=90006, title="Heat", year=1994, genres=[crime, drama],
        overview="A group of professional bank robbers.", imdb_id="tt0113277", tmdb_id=949,
        poster_path="/heat.jpg", runtime=170, movielens_tags=["Heist", "pacino"],
    )  # fmt: skip
    poorer = MovieFactory(
        movielens_id=None, title="Heat (1995)", year=None, tagline="A Los Angeles crime saga",
        language="en", overview="Another overview.",
    )  # fmt: skip
    return kept, richer, poorer


@pytest.fixture
def users(db):
    return {name: UserFactory(username=name) for name in ("alice", "bob", "carol", "dave", "erin")}


def test_merging_keeps_one_rating_per_user_the_most_recently_updated(heat, users):
    kept, richer, poorer = heat
    _rate(users["alice"], kept, "3.0", minutes_ago=60)
    _rate(users["alice"], richer, "5.0", minutes_ago=5)  # newer: wins, moves
    _rate(users["bob"], richer, "4.0", minutes_ago=60)
    _rate(users["bob"], kept, "2.0", minutes_ago=5)  # newer: wins, stays
    _rate(users["carol"], poorer, "4.5", minutes_ago=30)  # only one: moves
    _rate(users["dave"], kept, "1.0", minutes_ago=30)  # untouched
    _rate(users["erin"], kept, "3.5", minutes_ago=10)  # tie: the kept movie's wins
    _rate(users["erin"], poorer, "2.5", minutes_ago=10)
    # Someone else's rating of an unrelated movie stays where it is.
    _rate(users["dave"], MovieFactory(), "4.0", minutes_ago=1)

    report = movies_merge(keep_id=kept.pk, duplicate_ids=[kept.pk, richer.pk, poorer.pk])

    scores = {
        rating.user.username: rating.score
        for rating in Rating.objects.filter(movie=kept).select_related("user")
    }
    assert scores == {
        "alice": Decimal("5.0"), "bob": Decimal("2.0"), "carol": Decimal("4.5"),
        "dave": Decimal("1.0"), "erin": Decimal("3.5"),
    }  # fmt: skip
    assert Rating.objects.count() == 6
    assert (report.ratings_moved, report.ratings_dropped) == (2, 3)
    kept.refresh_from_db()
    assert kept.rating_count == 5
    assert kept.rating_sum == Decimal("16.0")
    assert kept.rating_mean == pytest.approx(3.2)
    # Moving is not the user editing: alice's rating keeps its date.
    alice = Rating.objects.get(user=users["alice"])
    assert alice.updated_at == NOW - timedelta(minutes=5)


def test_merging_keeps_every_list_entry_once(heat, users):
    kept, richer, poorer = heat
    early = watchlist_add(user=users["alice"], movie=richer)
    WatchlistItem.objects.filter(pk=early.pk).update(created_at=NOW - timedelta(days=3))
    watchlist_add(user=users["alice"], movie=kept)
    watchlist_add(user=users["bob"], movie=poorer)
    not_interested_add(user=users["carol"], movie=richer)
    not_interested_add(user=users["dave"], movie=kept)

    report = movies_merge(keep_id=kept.pk, duplicate_ids=[richer.pk, poorer.pk])

    watchlist = WatchlistItem.objects.filter(movie=kept)
    assert sorted(item.user.username for item in watchlist) == ["alice", "bob"]
    assert watchlist.get(user=users["alice"]).pk == early.pk  # the earliest entry stays
    assert WatchlistItem.objects.count() == 2
    assert sorted(
        NotInterested.objects.filter(movie=kept).values_list("user__username", flat=True)
    ) == ["carol", "dave"]
    assert (report.watchlist_moved, report.not_interested_moved) == (2, 1)


def test_merging_fills_blank_metadata_unites_genres_and_tags_and_deletes_the_rest(
    heat, django_capture_on_commit_callbacks
):
    kept, richer, poorer = heat
    _rate(UserFactory(), richer, "4.0", minutes_ago=1)  # richer is the most rated donor
    with django_capture_on_commit_callbacks() as callbacks:
        report = movies_merge(keep_id=kept.pk, duplicate_ids=[richer.pk, poorer.pk])
    kept.refresh_from_db()
    # Blank fields come from the most rated duplicate first; set ones are kept.
    assert kept.overview == "A group of professional bank robbers."
    assert (kept.imdb_id, kept.tmdb_id, kept.poster_path, kept.runtime) == (
        "tt0113277", 949, "/heat.jpg", 170,
    )  # fmt: skip
    assert (kept.tagline, kept.language) == ("A Los Angeles crime saga", "en")
    assert (kept.title, kept.year, kept.movielens_id) == ("Heat", 1995, 6)
    assert sorted(report.fields_filled) == sorted(
        ["overview", "tagline", "runtime", "poster_path", "imdb_id", "tmdb_id", "language"]
    )
    assert sorted(kept.genres.values_list("name", flat=True)) == ["Crime", "Drama"]
    assert kept.movielens_tags == ["heist", "pacino"]
    assert list(Movie.objects.all()) == [kept]
    assert report.deleted_ids == sorted([richer.pk, poorer.pk])
    # Re-embedded: marked now, queued once the merge commits.
    assert kept.needs_embedding
    assert len(callbacks) == 1


def test_a_kept_movie_without_movielens_id_takes_the_duplicates(db):
    kept, duplicate = MovieFactory(movielens_id=None), MovieFactory(movielens_id=42)
    movies_merge(keep_id=kept.pk, duplicate_ids=[duplicate.pk])
    kept.refresh_from_db()
    assert kept.movielens_id == 42


@pytest.mark.parametrize("others", [[], ["self"], ["missing"]])
def test_a_merge_that_cannot_happen_changes_nothing(heat, users, others):
    kept, richer, _ = heat
    _rate(users["alice"], richer, "4.0", minutes_ago=1)
    ids = {"self": kept.pk, "missing": 10**9}
    with pytest.raises(ValidationError):
        movies_merge(keep_id=kept.pk, duplicate_ids=[ids[name] for name in others])
    assert Movie.objects.count() == 3
    assert Rating.objects.get().movie_id == richer.pk


def test_a_kept_movie_without_credits_takes_the_cast_of_the_most_rated_duplicate(heat, users):
    kept, richer, poorer = heat
    _rate(users["alice"], richer, "4.0", minutes_ago=5)
    mann = PersonFactory(name="Michael Mann")
    CreditFactory(movie=richer, person=mann, role=Credit.Role.DIRECTOR)
    CreditFactory(movie=richer, person=PersonFactory(name="Al Pacino"), character="Hanna")
    CreditFactory(movie=poorer, person=PersonFactory(name="Someone Else"), character="Extra")

    report = movies_merge(keep_id=kept.pk, duplicate_ids=[richer.pk, poorer.pk])

    cast = set(Credit.objects.filter(movie=kept).values_list("person__name", "role"))
    assert cast == {("Michael Mann", "director"), ("Al Pacino", "cast")}
    assert "cast and crew" in report.fields_filled


def test_a_kept_movie_with_credits_keeps_its_own(heat):
    kept, richer, _ = heat
    CreditFactory(movie=kept, person=PersonFactory(name="Michael Mann"), role=Credit.Role.DIRECTOR)
    CreditFactory(movie=richer, person=PersonFactory(name="Wrong Person"), character="Nobody")

    report = movies_merge(keep_id=kept.pk, duplicate_ids=[richer.pk])

    assert list(Credit.objects.filter(movie=kept).values_list("person__name", flat=True)) == [
        "Michael Mann"
    ]
    assert "cast and crew" not in report.fields_filled
