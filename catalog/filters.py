"""Catalogue filters shared by browsing, "more like this", search and recommendations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q


@dataclass(frozen=True, kw_only=True)
class MovieFilters:
    genre: str | None = None  # Genre name, case-insensitive
    decade: int | None = None  # e.g. 1990 means 1990–1999
    year_min: int | None = None
    year_max: int | None = None

    def __post_init__(self) -> None:
        if self.decade is not None and self.decade % 10:
            raise ValueError(f"decade must be a multiple of 10, got {self.decade}")
        if (
            self.year_min is not None
            and self.year_max is not None
            and self.year_min > self.year_max
        ):
            raise ValueError(f"year_min {self.year_min} is after year_max {self.year_max}")

    @property
    def is_empty(self) -> bool:
        return self == MovieFilters()

    def q(self, prefix: str = "") -> Q:
        """A Q over Movie (or over a relation to Movie when `prefix` is e.g. "movie__")."""
        q = Q()
        if self.genre:
            q &= Q(**{f"{prefix}genres__name__iexact": self.genre})
        if self.decade is not None:
            q &= Q(**{f"{prefix}year__gte": self.decade, f"{prefix}year__lte": self.decade + 9})
        if self.year_min is not None:
            q &= Q(**{f"{prefix}year__gte": self.year_min})
        if self.year_max is not None:
            q &= Q(**{f"{prefix}year__lte": self.year_max})
        return q
