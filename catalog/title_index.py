"""Title matching from an in-process index: typo-tolerant (trigrams), exact (a title's
key, however it is spelled) and by prefix (search-as-you-type).

Counting the query trigrams each title shares took Postgres 15-40 ms per search,
because common trigrams ("  t", "the") occur in over half the titles and each of
those rows had to be intersected. Postings lists in memory count the same in about
a millisecond. The index holds every movie (visibility and filters are checked in
the database afterwards) and is rebuilt when `max(updated_at)` of the movies moves,
which every title change does, or after MAX_AGE_SECONDS for the tie-breaking
popularity counts.

Exact and prefix matches look keys up in one sorted list: each title's keys
(catalog.titles.title_keys: "boot the boat", "boot", "boat" for "Das Boot (The Boat)"),
the title with its article ("das boot the boat") and, for prefixes, each of them from a
later word on ("boat" of "boot the boat"), so that "wars" suggests "Star Wars".
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection

from catalog.models import Movie
from catalog.titles import normalize_title, title_keys
from core.process_copy import ProcessCopy

MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class TitleIndex:
    movie_ids: np.ndarray
    sizes: np.ndarray  # trigrams in each title
    rating_counts: np.ndarray
    postings: dict[str, np.ndarray]  # trigram -> rows of the titles containing it
    keys: list[str]  # sorted: every title key, and each key from its second word on
    key_rows: np.ndarray  # the row of each key's title
    key_whole: np.ndarray  # whether the key is a whole title key (not from a later word)

    def ranking(
        self,
        trigrams: list[str],
        *,
        at_least: int,
        words: Sequence[tuple[Sequence[str], int]] = (),
    ) -> np.ndarray:
        """Ids of the movies whose title has at least `at_least` of the (distinct)
        `trigrams`, and for each (word trigrams, at least) of `words` that many of the
        word's: most shared first, then the fewest other trigrams ("The Godfather"
        before "The Godfather: Part II"), then the better known film, then by id."""
        rows, shared = self._sharing(trigrams, at_least)
        for word, word_at_least in words:
            word_rows, _ = self._sharing(word, word_at_least)
            keep = np.isin(rows, word_rows, assume_unique=True)
            rows, shared = rows[keep], shared[keep]
        order = np.lexsort(
            (self.movie_ids[rows], -self.rating_counts[rows], self.sizes[rows], -shared)
        )
        return self.movie_ids[rows[order]]

    def _sharing(self, trigrams: Sequence[str], at_least: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the titles with at least `at_least` of the distinct `trigrams`, and
        how many each has."""
        lists = [self.postings[t] for t in set(trigrams) if t in self.postings]
        if not lists:
            return np.array([], dtype=np.int32), np.array([], dtype=np.int64)
        rows, shared = np.unique(np.concatenate(lists), return_counts=True)
        return rows[shared >= at_least], shared[shared >= at_least]

    def exact(self, key: str) -> np.ndarray:
        """Ids of the movies with a title (or alternative title) whose key is `key`
        (catalog.titles.normalize_title), the better known first."""
        start, end = bisect_left(self.keys, key), bisect_right(self.keys, key)
        rows = self.key_rows[start:end][self.key_whole[start:end]]
        return self._popular_first(rows, first=np.zeros(rows.size, dtype=bool))

    def prefixed(self, prefix: str) -> np.ndarray:
        """Ids of the movies with a title key starting with `prefix`, then those with a later
        word of a title starting with it; the better known first within each."""
        start = bisect_left(self.keys, prefix)
        end = bisect_left(self.keys, prefix + "\U0010ffff", lo=start)
        return self._popular_first(self.key_rows[start:end], first=self.key_whole[start:end])

    def _popular_first(self, rows: np.ndarray, *, first: np.ndarray) -> np.ndarray:
        order = np.lexsort((self.movie_ids[rows], -self.rating_counts[rows], ~first))
        ids = self.movie_ids[rows[order]]
        _, seen_first = np.unique(ids, return_index=True)  # a movie once, where it ranks best
        return ids[np.sort(seen_first)]


# Normalising every title is most of a build (3 of 6 s for 62k movies on a busy 2-core
# machine); titles rarely change between the rebuilds that refresh the popularity counts.
@functools.lru_cache(maxsize=250_000)
def _keys(title: str, movielens_title: str) -> tuple[tuple[str, bool], ...]:
    """(key, whole) pairs of one movie: its title keys and its title as typed with its
    article ("das boot the boat"), then each of them from a later word on."""
    whole = title_keys(title, movielens_title) | {normalize_title(title, keep_article=True)}
    later = {
        " ".join(words[n:])
        for words in (key.split() for key in whole)
        for n in range(1, len(words))
    }
    return (*((key, True) for key in whole), *((key, False) for key in later - whole))


def title_index_build() -> TitleIndex:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, rating_count, title_trigrams, title, movielens_title "
            f"FROM {Movie._meta.db_table} ORDER BY id"
        )
        rows = cursor.fetchall()
    postings: dict[str, list[int]] = defaultdict(list)
    keys: list[tuple[str, int, bool]] = []
    for row, (_, _, trigrams, title, movielens_title) in enumerate(rows):
        for trigram in trigrams:
            postings[trigram].append(row)
        keys += [(key, row, whole) for key, whole in _keys(title, movielens_title)]
    keys.sort()
    return TitleIndex(
        movie_ids=np.array([row[0] for row in rows], dtype=np.int64),
        sizes=np.array([len(row[2]) for row in rows], dtype=np.int32),
        rating_counts=np.array([row[1] for row in rows], dtype=np.int64),
        postings={t: np.array(r, dtype=np.int32) for t, r in postings.items()},
        keys=[key for key, _, _ in keys],
        key_rows=np.array([row for _, row, _ in keys], dtype=np.int32),
        key_whole=np.array([whole for _, _, whole in keys], dtype=bool),
    )


_copy: ProcessCopy[TitleIndex] = ProcessCopy()


def title_index_for(version: datetime | None) -> TitleIndex:
    """The process's index, rebuilt if `version` moved or it is older than MAX_AGE_SECONDS."""
    return _copy.get(version, title_index_build, max_age=MAX_AGE_SECONDS)
