"""Typo-tolerant title matching from an in-process trigram index.

Counting the query trigrams each title shares took Postgres 15-40 ms per search,
because common trigrams ("  t", "the") occur in over half the titles and each of
those rows had to be intersected. Postings lists in memory count the same in about
a millisecond. The index holds every movie (visibility and filters are checked in
the database afterwards) and is rebuilt when `max(updated_at)` of the movies moves,
which every title change does, or after MAX_AGE_SECONDS for the tie-breaking
popularity counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection

from catalog.models import Movie
from core.process_copy import ProcessCopy

MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class TitleIndex:
    movie_ids: np.ndarray
    sizes: np.ndarray  # trigrams in each title
    rating_counts: np.ndarray
    postings: dict[str, np.ndarray]  # trigram -> rows of the titles containing it

    def ranking(self, trigrams: list[str], *, at_least: int) -> np.ndarray:
        """Ids of the movies whose title has at least `at_least` of the (distinct)
        `trigrams`: most shared first, then the fewest other trigrams ("The Godfather"
        before "The Godfather: Part II"), then the better known film, then by id."""
        lists = [self.postings[t] for t in set(trigrams) if t in self.postings]
        if not lists:
            return np.array([], dtype=np.int64)
        rows, shared = np.unique(np.concatenate(lists), return_counts=True)
        rows, shared = rows[shared >= at_least], shared[shared >= at_least]
        order = np.lexsort(
            (self.movie_ids[rows], -self.rating_counts[rows], self.sizes[rows], -shared)
        )
        return self.movie_ids[rows[order]]


def title_index_build() -> TitleIndex:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, rating_count, title_trigrams FROM {Movie._meta.db_table} ORDER BY id"
        )
        rows = cursor.fetchall()
    postings: dict[str, list[int]] = defaultdict(list)
    for row, (_, _, trigrams) in enumerate(rows):
        for trigram in trigrams:
            postings[trigram].append(row)
    return TitleIndex(
        movie_ids=np.array([row[0] for row in rows], dtype=np.int64),
        sizes=np.array([len(row[2]) for row in rows], dtype=np.int32),
        rating_counts=np.array([row[1] for row in rows], dtype=np.int64),
        postings={t: np.array(r, dtype=np.int32) for t, r in postings.items()},
    )


_copy: ProcessCopy[TitleIndex] = ProcessCopy()


def title_index_for(version: datetime | None) -> TitleIndex:
    """The process's index, rebuilt if `version` moved or it is older than MAX_AGE_SECONDS."""
    return _copy.get(version, title_index_build, max_age=MAX_AGE_SECONDS)
