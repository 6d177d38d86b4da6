"""Predicted ratings ("we think you'd rate it ★4.2"): the one owner of what the site, the
API and the `predict_ratings` command predict.

The serving run's rating model (`recommendations.algorithms.rating`) folds the user in from their
current ratings on every call, so a new rating changes their predictions at once, with no
retraining. The site predicts only movies the user has not rated (they see their own
rating there), and nothing for anonymous users, users without ratings, or before a run
with a rating model serves.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TextIO

import numpy as np

from catalog.models import Movie
from jobs.progress import Progress
from recommendations.algorithms.rating import RatingModel
from recommendations.selectors import (
    movie_ids_by_movielens_id,
    serving_run_and_ratings,
    training_run_serving_id,
    user_ids_by_movielens_id,
    user_ratings_many,
)
from recommendations.serving import rating_model_for
from recommendations.types import UserRatings


def _predict(model: RatingModel, ratings: UserRatings, movie_ids: np.ndarray) -> np.ndarray:
    """Stars for `movie_ids`, rounded half up to one decimal: what is shown is what is
    served, everywhere (numpy's round would send 4.25 to 4.2)."""
    stars = model.predict(
        user_movie_ids=ratings.movie_ids, user_scores=ratings.scores, movie_ids=movie_ids
    )
    return np.floor(stars * 10 + 0.5) / 10


def predicted_scores(*, user, movie_ids: Collection[int]) -> dict[int, float]:
    """The user's predicted stars (0.5-5.0, one decimal) for those of `movie_ids` they have
    not rated; {} when there is nothing to predict from. One query, plus the rating model's
    load once per process per version."""
    if not user.is_authenticated or not movie_ids:
        return {}
    run_id, ratings = serving_run_and_ratings(user_id=user.pk)
    return predicted_scores_from(run_id=run_id, ratings=ratings, movie_ids=movie_ids)


def predicted_scores_from(
    *, run_id: int | None, ratings: UserRatings, movie_ids: Collection[int]
) -> dict[int, float]:
    """`predicted_scores` from ratings already read (a recommendation's, read once for its
    profile) with run `run_id`'s rating model; no query."""
    model = rating_model_for(run_id) if len(ratings.movie_ids) and movie_ids else None
    if model is None:
        return {}
    unrated = np.setdiff1d(np.fromiter(movie_ids, dtype=np.int64), ratings.movie_ids)
    return dict(zip(unrated.tolist(), _predict(model, ratings, unrated).tolist(), strict=True))


def predicted_scores_annotate(*, user, movies: Iterable[Movie]) -> None:
    """Set `predicted_score` (or None) on every movie card, with one prediction for all."""
    movies = list(movies)
    scores = predicted_scores(user=user, movie_ids={movie.pk for movie in movies})
    for movie in movies:
        movie.predicted_score = scores.get(movie.pk)


# --- Batch: pairs from a CSV file --------------------------------------------------------

PAIR_COLUMNS = ("user_movielens_id", "movie_movielens_id")
OUTPUT_COLUMNS = ("predicted_score", "error")
# Rows resolved and predicted together: bounds memory and the size of each id lookup.
PAIRS_CHUNK = 5000


class PredictionsUnavailable(Exception):
    """No serving training run has a rating model."""


class PairsFileError(ValueError):
    """The file as a whole cannot be read as pairs (empty, no header, a column missing)."""


@dataclass(frozen=True)
class PairsReport:
    rows: int
    predicted: int

    @property
    def errors(self) -> int:
        return self.rows - self.predicted


@dataclass
class _Pair:
    values: list[str]  # the input row, as written, padded to the header's width
    user_ml: int | None = None
    movie_ml: int | None = None
    score: float | None = None
    error: str = ""


def predict_pairs_csv(*, source: TextIO, destination: TextIO, progress: Progress) -> PairsReport:
    """Write every (user, movie) row of `source` to `destination` with its predicted stars
    (one decimal) or why not, in the input's order and with its columns kept.

    Ids are MovieLens ids. A row's own problem (an unknown id, a value that is not a whole
    number, a field missing) is reported in its `error` column; only a file without a
    header naming both columns, or no serving rating model, raises. Users are folded in
    from their current ratings, so a movie they rated gets the model's estimate too.
    """
    model = rating_model_for(training_run_serving_id())
    if model is None:
        raise PredictionsUnavailable(
            "No rating model serves yet: train the recommender (manage.py train_recommender)."
        )
    reader = csv.reader(source)
    header = _header(next(reader, None))
    positions = [header.index(column) for column in PAIR_COLUMNS]
    writer = csv.writer(destination)
    writer.writerow([*header, *OUTPUT_COLUMNS])
    progress.stage("Predicting ratings")
    rows = predicted = 0
    # Blank lines carry no pair: they are dropped, as csv readers usually do.
    lines = (line for line in reader if line)
    for chunk in iter(lambda: list(islice(lines, PAIRS_CHUNK)), []):
        pairs = [_pair_parse(line, header, positions) for line in chunk]
        _pairs_predict(model, pairs)
        for pair in pairs:
            score = "" if pair.score is None else f"{pair.score:.1f}"
            writer.writerow([*pair.values, score, pair.error])
        rows += len(pairs)
        predicted += sum(pair.score is not None for pair in pairs)
        progress.advance(len(pairs))
    progress.close()
    return PairsReport(rows=rows, predicted=predicted)


def _header(first: list[str] | None) -> list[str]:
    expected = ",".join(PAIR_COLUMNS)
    if first is None:
        raise PairsFileError(f"The file is empty: it needs a header line, {expected}.")
    header = [name.strip().lstrip("\ufeff") for name in first]
    missing = [column for column in PAIR_COLUMNS if column not in header]
    if missing:
        raise PairsFileError(
            f"The first line must be a header naming the columns {expected}; "
            f"it is {','.join(first)!r} (missing {', '.join(missing)})."
        )
    return header


def _pair_parse(line: list[str], header: list[str], positions: list[int]) -> _Pair:
    # Kept to the header's width, so the added columns stay under their names.
    pair = _Pair(values=(line + [""] * len(header))[: len(header)])
    if len(line) != len(header):
        pair.error = f"Expected {len(header)} fields, got {len(line)}."
        return pair
    ids = []
    for column, position in zip(PAIR_COLUMNS, positions, strict=True):
        value = line[position].strip()
        if not value.isdecimal():
            pair.error = f"{column} {value!r} is not a MovieLens id (a whole number)."
            return pair
        ids.append(int(value))
    pair.user_ml, pair.movie_ml = ids
    return pair


def _pairs_predict(model: RatingModel, pairs: list[_Pair]) -> None:
    """Resolve the chunk's ids (two queries), read its users' ratings (one) and predict."""
    valid = [pair for pair in pairs if not pair.error]
    users = user_ids_by_movielens_id(movielens_ids=sorted({p.user_ml for p in valid}))
    movies = movie_ids_by_movielens_id(movielens_ids=sorted({p.movie_ml for p in valid}))
    for pair in valid:
        if pair.user_ml not in users:
            pair.error = f"Unknown user: no user has MovieLens id {pair.user_ml}."
        elif pair.movie_ml not in movies:
            pair.error = f"Unknown movie: no movie has MovieLens id {pair.movie_ml}."
    ratings = user_ratings_many(user_ids=sorted({users[p.user_ml] for p in valid if not p.error}))
    for user_id, user_pairs in _by_user(valid, users):
        if not len(ratings[user_id].movie_ids):
            for pair in user_pairs:
                pair.error = f"User {pair.user_ml} has no ratings to predict from."
            continue
        movie_ids = np.array([movies[pair.movie_ml] for pair in user_pairs], dtype=np.int64)
        for pair, score in zip(
            user_pairs, _predict(model, ratings[user_id], movie_ids).tolist(), strict=True
        ):
            pair.score = score


def _by_user(pairs: list[_Pair], users: dict[int, int]) -> Iterator[tuple[int, list[_Pair]]]:
    """The resolved pairs grouped by user id: one fold-in per user, however many rows."""
    groups: dict[int, list[_Pair]] = {}
    for pair in pairs:
        if not pair.error:
            groups.setdefault(users[pair.user_ml], []).append(pair)
    return iter(groups.items())
