"""The evidence people judge two films similar by, beside the embeddings and the ALS factors:
the query's distinctive genres, shared TMDB keywords, MovieLens tags and people (directors
and cast, where credits exist), and a shared franchise read from the titles.

"More like this" weighs it (`scoring.similarity_scores`) and its tuning objective counts
it (`tuning.similar_objective`): people judge content-based similar-item lists closer to
what they expect than rating-based ones (Yao & Harper, RecSys 2018), and held-out likes
alone reward what everyone likes.

The data has no TMDB collections, so a franchise is a title stem ("Toy Story" in "Toy
Story 2", "Jurassic Park" in "The Lost World: Jurassic Park").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse

from catalog.models import Credit, CreditRole, Movie
from core.process_copy import ProcessCopy
from core.vectors import sorted_positions

_ARTICLES = frozenset({"the", "a", "an"})
# What ends a franchise's stem: a subtitle, or a sequel's number.
_SUBTITLE = re.compile(r"\s*(?::|\s-\s|\(| part\b| chapter\b| episode\b).*$")
_SEQUEL_MARK = re.compile(r"(\s+(\d+|[ivx]+))+$")
_WORD = re.compile(r"[\w']+")
# A stem shared by more titles than this is a common word ("love", "night"), not a franchise.
FRANCHISE_MAX_FILMS = 15
# A one-word stem must open the other title ("Shrek" -> "Shrek the Third"), and have this
# many letters: "Heat" is not in "In the Heat of the Night", "It" in nothing.
SHORT_STEM_LETTERS = 4
# A director says more about a film than any one actor: their term counts twice.
DIRECTOR_WEIGHT = 2
CAST_BILLED = 5  # the top-billed cast that counts


def _words(title: str) -> tuple[str, ...]:
    words = tuple(_WORD.findall(title.casefold()))
    return words[1:] if len(words) > 1 and words[0] in _ARTICLES else words


def franchise_stem(title: str) -> tuple[str, ...]:
    """The words a franchise's films share: the title without a leading article, subtitle
    or sequel number ("The Matrix Reloaded" -> (matrix, reloaded); "Toy Story 2" -> (toy,
    story); "Star Wars: Episode IV - A New Hope" -> (star, wars))."""
    stem = _SEQUEL_MARK.sub("", _SUBTITLE.sub("", title.casefold()))
    return _words(stem) or _words(title)


def _stem_counts(stem: tuple[str, ...]) -> bool:
    return len(stem) > 1 or (len(stem) == 1 and len(stem[0]) >= SHORT_STEM_LETTERS)


def franchises(titles: Sequence[str]) -> list[np.ndarray]:
    """For each title, the other titles of its franchise (row indices, sorted): the titles
    that contain a stem which is some title's whole stem ("Matrix" holds The Matrix, The
    Matrix Reloaded and The Matrix Revolutions); a one-word stem only as their first word."""
    stems = [franchise_stem(title) for title in titles]
    words = [_words(title) for title in titles]
    wanted = {stem for stem in stems if _stem_counts(stem)}
    holders: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for row, title_words in enumerate(words):
        for start in range(len(title_words)):
            for end in range(start + 1, len(title_words) + 1):
                part = title_words[start:end]
                if part in wanted and (start == 0 or len(part) > 1):
                    holders[part].add(row)
    related: list[set[int]] = [set() for _ in titles]
    for rows in holders.values():
        if 1 < len(rows) <= FRANCHISE_MAX_FILMS:
            for row in rows:
                related[row] |= rows
    return [np.array(sorted(rows - {row}), dtype=np.int64) for row, rows in enumerate(related)]


@dataclass(frozen=True)
class Evidence:
    """Per film (rows aligned with `movie_ids`, sorted): genres, weighted terms, franchise."""

    movie_ids: np.ndarray
    genres: np.ndarray  # (films, genres) float32 0/1
    genre_rarity: np.ndarray  # (genres,) log(films / films with the genre): the distinctive
    terms: sparse.csr_matrix  # (films, terms) TF-IDF of keywords, tags and people; unit rows
    franchise: list[np.ndarray]  # per row, its franchise's other rows

    def rows(self, movie_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return sorted_positions(self.movie_ids, movie_ids)

    def distinctive_genre(self, row: int) -> int | None:
        """The film's rarest genre (column), None without genres."""
        own = np.flatnonzero(self.genres[row])
        return int(own[self.genre_rarity[own].argmax()]) if len(own) else None

    def genre_match(self, row: int) -> np.ndarray:
        """Each film's share of `row`'s genres, weighted by rarity: 1 when it has them all,
        most of it for the distinctive one."""
        own = np.flatnonzero(self.genres[row])
        if not len(own):
            return np.zeros(len(self.movie_ids), dtype=np.float32)
        weights = self.genre_rarity[own]
        return (self.genres[:, own] @ weights / weights.sum()).astype(np.float32)

    def shared_terms(self, row: int) -> np.ndarray:
        """Cosine of each film's keywords, tags and people to `row`'s, in [0, 1]."""
        return (self.terms @ self.terms[row].T).toarray().ravel().astype(np.float32)

    def same_franchise(self, row: int) -> np.ndarray:
        found = np.zeros(len(self.movie_ids), dtype=np.float32)
        found[self.franchise[row]] = 1.0
        return found

    def against(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """(evidence, franchise) of every film for query `row`: the mean of the genre match
        and the shared terms, and 1 for its franchise."""
        return (self.genre_match(row) + self.shared_terms(row)) / 2, self.same_franchise(row)


def evidence_from(
    *,
    movie_ids: np.ndarray,
    titles: Sequence[str],
    genres: Sequence[Iterable[str]],
    terms: Sequence[Iterable[str]],
) -> Evidence:
    """Evidence for films given in `movie_ids` order (sorted): each film's genre names and
    its terms (a term repeated counts more)."""
    n = len(movie_ids)
    names = sorted({name for own in genres for name in own})
    column = {name: i for i, name in enumerate(names)}
    genre_matrix = np.zeros((n, len(names)), dtype=np.float32)
    for row, own in enumerate(genres):
        genre_matrix[row, [column[name] for name in own]] = 1.0
    having = genre_matrix.sum(axis=0)
    rarity = np.log(max(n, 1) / np.maximum(having, 1)).astype(np.float32)
    return Evidence(
        movie_ids=movie_ids,
        genres=genre_matrix,
        genre_rarity=rarity,
        terms=_tf_idf(terms, n),
        franchise=franchises(titles),
    )


def _tf_idf(terms: Sequence[Iterable[str]], n: int) -> sparse.csr_matrix:
    vocabulary: dict[str, int] = {}
    rows, columns, counts = [], [], []
    for row, own in enumerate(terms):
        for term in own:
            rows.append(row)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
            counts.append(1.0)
    matrix = sparse.csr_matrix(
        (counts, (rows, columns)), shape=(n, len(vocabulary)), dtype=np.float32
    )
    matrix.sum_duplicates()
    having = np.bincount(matrix.indices, minlength=len(vocabulary))
    # A term only one film has says nothing about any other film.
    idf = np.where(having > 1, np.log(max(n, 1) / np.maximum(having, 1)), 0.0)
    matrix = matrix @ sparse.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return sparse.csr_matrix(sparse.diags(1 / np.where(norms > 0, norms, 1)) @ matrix)


def evidence_build(movie_ids: np.ndarray | None = None) -> Evidence:
    """Every film's evidence from the database (or those of `movie_ids`, sorted, in that
    order; an id without a film gets none) in three queries."""
    films = Movie.objects.order_by("pk")
    if movie_ids is not None:
        films = films.filter(pk__in=movie_ids.tolist())
    found = {
        pk: (title, keywords, tags)
        for pk, title, keywords, tags in films.values_list(
            "pk", "title", "keywords", "movielens_tags"
        )
    }
    ids = np.array(sorted(found), dtype=np.int64) if movie_ids is None else movie_ids
    genre_names: dict[int, list[str]] = defaultdict(list)
    links = Movie.genres.through.objects.filter(movie_id__in=list(found))
    for movie_id, name in links.values_list("movie_id", "genre__name"):
        genre_names[movie_id].append(name)
    people: dict[int, list[str]] = defaultdict(list)
    credits = Credit.objects.filter(
        movie_id__in=list(found), role__in=[CreditRole.DIRECTOR, CreditRole.CAST]
    )
    for movie_id, person_id, role, position in credits.values_list(
        "movie_id", "person_id", "role", "position"
    ):
        if role == CreditRole.DIRECTOR:
            people[movie_id] += [f"person:{person_id}"] * DIRECTOR_WEIGHT
        elif position < CAST_BILLED:
            people[movie_id].append(f"person:{person_id}")
    empty = ("", [], [])
    rows = [found.get(movie_id, empty) for movie_id in ids.tolist()]
    return evidence_from(
        movie_ids=ids,
        titles=[title for title, _, _ in rows],
        genres=[genre_names[movie_id] for movie_id in ids.tolist()],
        terms=[
            [
                # One vocabulary: a TMDB keyword and a MovieLens tag often say the same.
                *(k.casefold() for k in keywords),
                *(t.casefold() for t in tags),
                *people[movie_id],
            ]
            for movie_id, (_, keywords, tags) in zip(ids.tolist(), rows, strict=True)
        ],
    )


_copy: ProcessCopy[Evidence] = ProcessCopy()


def evidence_for(version: datetime | None) -> Evidence:
    """The process's evidence, rebuilt when the catalogue's `version` moves (titles,
    genres, keywords and tags change only with it)."""
    return _copy.get(version, evidence_build)
