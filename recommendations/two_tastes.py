"""The two-taste accounts of issue "calibrated picks": a person who gave five stars to four
films of each of two genres, and how many of their top picks each side gets.

The accounts are made on a MovieLens catalogue (films found by their MovieLens ids) so
that anyone can look at their home page; `two_taste_report` counts each side of their
"Picked for you" (a film of both genres counts for both).
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from catalog.models import Movie
from ratings.services import rating_delete, rating_upsert
from recommendations.hybrid import recommend_for_user

# How many picks the home page shows, and how many each side should get of them.
TOP_PICKS = 12
SIDE_SHARE = 4


@dataclass(frozen=True)
class Side:
    genre: str
    movielens_ids: tuple[int, ...]  # the films the account gave five stars


@dataclass(frozen=True)
class TwoTastes:
    username: str
    sides: tuple[Side, Side]


TWO_TASTE_ACCOUNTS: tuple[TwoTastes, ...] = (
    TwoTastes(
        # Star Wars, Alien, The Matrix, Blade Runner; Toy Story, Shrek, The Lion King,
        # Spirited Away.
        username="two-tastes-scifi-animation",
        sides=(Side("Sci-Fi", (260, 1214, 2571, 541)), Side("Animation", (1, 4306, 364, 5618))),
    ),
    TwoTastes(
        # The Godfather, Goodfellas, Pulp Fiction, Heat; Singin' in the Rain, The Sound of
        # Music, West Side Story, Mary Poppins.
        username="two-tastes-crime-musicals",
        sides=(Side("Crime", (858, 1213, 296, 6)), Side("Musical", (899, 1035, 1947, 1028))),
    ),
)


@dataclass(frozen=True)
class TwoTastesReport:
    account: TwoTastes
    picks: list[tuple[str, list[str]]]  # title, the sides' genres it carries

    def count(self, genre: str) -> int:
        return sum(genre in genres for _, genres in self.picks)

    @property
    def balanced(self) -> bool:
        return all(self.count(side.genre) >= SIDE_SHARE for side in self.account.sides)


def two_taste_accounts_ensure() -> list[tuple[TwoTastes, User]]:
    """Each account, made if missing (with no usable password), with exactly its five-star
    ratings. Raises ValueError naming a film the catalogue lacks."""
    made = []
    for account in TWO_TASTE_ACCOUNTS:
        wanted = [movie_id for side in account.sides for movie_id in side.movielens_ids]
        movies = Movie.objects.in_bulk(wanted, field_name="movielens_id")
        missing = [str(movie_id) for movie_id in wanted if movie_id not in movies]
        if missing:
            raise ValueError(
                f"The catalogue lacks MovieLens films {', '.join(missing)}: "
                "import ml-latest-small first."
            )
        user, created = User.objects.get_or_create(username=account.username)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        others = user.ratings.exclude(movie__in=movies.values()).values_list("movie_id", flat=True)
        for movie_id in list(others):
            rating_delete(user=user, movie=movie_id)
        for movie in movies.values():
            rating_upsert(user=user, movie=movie, score="5.0")
        made.append((account, user))
    return made


def two_taste_report(account: TwoTastes, user: User) -> TwoTastesReport:
    """The account's top TOP_PICKS hybrid picks, each with the sides it belongs to."""
    genres = {side.genre for side in account.sides}
    picks = recommend_for_user(user, k=TOP_PICKS)
    return TwoTastesReport(
        account=account,
        picks=[
            (pick.movie.title, [g for g in pick.movie.genre_names if g in genres]) for pick in picks
        ],
    )
