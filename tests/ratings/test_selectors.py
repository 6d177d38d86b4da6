from datetime import datetime
from decimal import Decimal

from accounts.models import User
from ratings.models import NotInterested, Rating, WatchlistItem
from ratings.selectors import export_csv_columns, user_data_export
from tests.factories import MovieFactory, RatingFactory


def test_export_holds_exactly_my_data_oldest_first(user, other_user):
    heat = MovieFactory(title="Heat", year=1995, movielens_id=6, imdb_id="tt0113277", tmdb_id=949)
    alien = MovieFactory(title="Alien", year=1979, movielens_id=1214, imdb_id="", tmdb_id=None)
    later = RatingFactory(user=user, movie=alien, score=Decimal("3.5"))
    first = RatingFactory(user=user, movie=heat, score=Decimal("5.0"))
    Rating.objects.filter(pk=first.pk).update(
        created_at=datetime.fromisoformat("2020-01-02T03:04:05+00:00")
    )
    RatingFactory(user=other_user, movie=heat, score=Decimal("1.0"))
    wish = WatchlistItem.objects.create(user=user, movie=heat)
    WatchlistItem.objects.create(user=other_user, movie=alien)
    meh = NotInterested.objects.create(user=user, movie=alien)
    first.refresh_from_db()
    User.objects.filter(pk=user.pk).update(profile_is_public=True)
    user.refresh_from_db()

    export = user_data_export(user=user)

    assert datetime.fromisoformat(export.pop("exported_at")).tzinfo is not None
    heat_ids = {
        "movie_id": heat.pk,
        "title": "Heat",
        "year": 1995,
        "movielens_id": 6,
        "imdb_id": "tt0113277",
        "tmdb_id": 949,
    }
    alien_ids = {
        "movie_id": alien.pk,
        "title": "Alien",
        "year": 1979,
        "movielens_id": 1214,
        "imdb_id": "",
        "tmdb_id": None,
    }
    assert export == {
        "format_version": 1,
        "user": {
            "username": user.username,
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "profile_is_public": True,
            "allow_group_recommendations": False,
        },
        "ratings": [
            heat_ids
            | {
                "score": 5.0,
                "created_at": "2020-01-02T03:04:05+00:00",
                "updated_at": first.updated_at.isoformat(),
            },
            alien_ids
            | {
                "score": 3.5,
                "created_at": later.created_at.isoformat(),
                "updated_at": later.updated_at.isoformat(),
            },
        ],
        "watchlist": [heat_ids | {"created_at": wish.created_at.isoformat()}],
        "not_interested": [alien_ids | {"created_at": meh.created_at.isoformat()}],
        # The sections social registers (tests/social has their contents).
        "diary": [],
        "reviews": [],
        "lists": [],
    }


def test_export_of_a_new_user_has_empty_lists(user):
    export = user_data_export(user=user)
    assert (export["ratings"], export["watchlist"], export["not_interested"]) == ([], [], [])


def test_csv_columns_cover_every_exported_key(user, movie):
    RatingFactory(user=user, movie=movie)
    WatchlistItem.objects.create(user=user, movie=movie)
    export = user_data_export(user=user)
    keys = {key for name in ("ratings", "watchlist") for row in export[name] for key in row}
    columns = export_csv_columns()
    assert columns[0] == "list"
    assert keys <= set(columns[1:])
    assert len(columns) == len(set(columns))
