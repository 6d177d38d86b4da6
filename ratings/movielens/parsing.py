"""One MovieLens row's fields parsed: titles and years, genres, ids, scores, timestamps.

No Django and no database: the limits the models set (text lengths, the score
range) are arguments, which the writers' kinds fill in from the models.
"""

from __future__ import annotations

import re

from catalog.titles import natural_title

MAX_ID = 2**31 - 1  # PostgreSQL integer
MAX_TIMESTAMP = 4_102_444_800  # 2100-01-01; larger values would overflow to_timestamp()
NO_GENRES = {"(no genres listed)", "unknown"}  # csv/dat and ml-100k spellings of "none"


class BadRow(ValueError):
    """A row that cannot be imported; the message is the reason shown to the user."""


# Titles


_YEAR = re.compile(r"\s*\((\d{4})(?:\s*[-–—]\s*(?:\d{4})?)?\)$")


def parse_title(raw: str, *, years: range) -> tuple[str, int | None]:
    """Split "Godfather, The (1972)" into MovieLens' title ("Godfather, The") and its year;
    the year may be missing. catalog.titles makes the title natural.

    `years` are the plausible ones (the catalogue's constraint, passed in by the writers).
    """
    title = raw.strip()
    year = None
    match = _YEAR.search(title)
    # A number outside the plausible years, as in "Year (1000)", stays part of the title.
    if match and int(match.group(1)) in years:
        year = int(match.group(1))
        title = title[: match.start()].strip()
    return title, year


# Field parsers: text in, database value out, BadRow for anything the database would refuse.


def _expect_columns(fields: list[str], count: int) -> None:
    if len(fields) != count:
        raise BadRow(f"expected {count} columns, found {len(fields)}")


def _id(text: str, what: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise BadRow(f"{what} {text!r} is not a positive integer")
    return int(text)


def _score(text: str, min_score: float, max_score: float) -> float:
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        raise BadRow(f"score {text!r} is not a number") from None
    if not min_score <= value <= max_score:  # also rejects nan
        raise BadRow(f"score {text} is outside {min_score}–{max_score}")
    if not (value * 2).is_integer():
        raise BadRow(f"score {text} is not a whole or half star")
    return value


def _timestamp(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_TIMESTAMP:
        raise BadRow(f"timestamp {text!r} is not a Unix time")
    return int(text)


def _text(value: str, what: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise BadRow(f"{what} is empty")
    if len(value) > max_length:
        raise BadRow(f"{what} is longer than {max_length} characters")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise BadRow(f"{what} contains a NUL character")
    return value


def parse_movie(fields: list[str], *, title_length: int, genre_length: int, years: range) -> tuple:
    _expect_columns(fields, 3)
    movie_id = _id(fields[0], "movie id")
    movielens_title, year = parse_title(fields[1], years=years)
    movielens_title = _text(movielens_title, "title", title_length)
    genres: dict[str, None] = {}  # ordered set: "A|B|A" is A, B
    for name in fields[2].split("|"):
        name = name.strip()
        if name and name not in NO_GENRES:
            genres[_text(name, "genre", genre_length)] = None
    title = _text(natural_title(movielens_title), "title", title_length)
    return movie_id, title, movielens_title, year, list(genres)


def parse_link(fields: list[str]) -> tuple:
    _expect_columns(fields, 3)
    imdb, tmdb = fields[1].strip(), fields[2].strip()
    # Empty ids are NULL in staging, which keeps whatever the movie already has.
    imdb_id = f"tt{_id(imdb, 'IMDb id'):07d}" if imdb else None
    return _id(fields[0], "movie id"), imdb_id, _id(tmdb, "TMDB id") if tmdb else None


def parse_rating(fields: list[str], *, min_score: float, max_score: float) -> tuple:
    _expect_columns(fields, 4)
    return (
        _id(fields[0], "user id"),
        _id(fields[1], "movie id"),
        _score(fields[2], min_score, max_score),
        _timestamp(fields[3]),
    )


def parse_tag(fields: list[str], *, tag_length: int) -> tuple:
    _expect_columns(fields, 4)
    return (
        _id(fields[0], "user id"),
        _id(fields[1], "movie id"),
        _text(fields[2], "tag", tag_length),
        _timestamp(fields[3]),
    )
