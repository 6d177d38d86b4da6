"""The taste profile page's numbers: ratings by genre and a score histogram.

The movie map, linked from the page, is catalog.movie_map with the user's films marked
(pages.views.movie_map_mine).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count

from ratings.models import Rating
from ratings.stars import HALF_STARS


@dataclass(frozen=True)
class GenreStat:
    genre: str
    count: int
    mean: float


def genre_stats(*, user) -> list[GenreStat]:
    """How many films of each genre the user rated and their mean score, most rated first."""
    rows = (
        Rating.objects.filter(user=user, movie__genres__isnull=False)
        .values("movie__genres__name")
        .annotate(count=Count("pk"), mean=Avg("score"))
        .order_by("-count", "movie__genres__name")
    )
    return [
        GenreStat(row["movie__genres__name"], row["count"], round(float(row["mean"]), 2))
        for row in rows
    ]


def score_histogram(*, user) -> list[tuple[Decimal, int]]:
    """(score, how many ratings) for every half star from 0.5 to 5, zeros included."""
    counts = dict(
        Rating.objects.filter(user=user)
        .values("score")
        .annotate(n=Count("pk"))
        .values_list("score", "n")
    )
    return [(step, counts.get(step, 0)) for step in HALF_STARS]


def taste_chart_data(
    *, genres: list[GenreStat], histogram: list[tuple[Decimal, int]] | None = None
) -> dict:
    """What the taste page's script draws: the genre chart, and the histogram when shown."""
    data: dict = {
        "genres": {
            "labels": [stat.genre for stat in genres],
            "counts": [stat.count for stat in genres],
            "means": [stat.mean for stat in genres],
        }
    }
    if histogram is not None:
        data["histogram"] = {
            "labels": [str(score) for score, _ in histogram],
            "counts": [n for _, n in histogram],
        }
    return data
