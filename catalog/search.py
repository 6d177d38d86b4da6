"""Movie search: semantic neighbours, full-text matches, typo-tolerant title matches and
the films of people named in the query, fused by reciprocal rank (RRF)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import Length

from catalog import embedding
from catalog.filters import MovieFilters
from catalog.models import PERSON_NAME_SEARCH_VECTOR, Credit, Movie, Person
from catalog.selectors import CATALOGUE_VERSION_SQL, movie_nearest_ids
from catalog.title_index import title_index_for

CANDIDATES = 50  # per ranking
RRF_K = 60
# A title or keyword hit is stronger evidence than semantic nearness: "Godfather"
# must put The Godfather films before other mafia films that merely feel close.
# A person's name is as strong as a keyword: "Tom Hanks" finds his films, while a
# title that merely shares a word with someone's name ("Love Actually", Courtney Love)
# still wins on its title.
WEIGHTS = {"semantic": 1.0, "keyword": 1.5, "title": 2.0, "person": 1.5}
# Share of the query's trigrams a title must contain: "godfathr" keeps 7 of 9 in
# "The Godfather", while a long plot description matches no title by accident.
MIN_TITLE_MATCH = 0.5
# Title matches checked against visibility and filters, at most: a short query can
# match thousands of titles, of which only the best CANDIDATES count.
MAX_TITLE_MATCHES = 1000
# People whose name holds every word of the query, closest names first: "John" alone
# names thousands of people, whose films would drown everything else.
MAX_PEOPLE = 10


@dataclass(frozen=True)
class SearchHit:
    movie_id: int
    score: float
    # 1-based rank in each ranking the movie appeared in, None where it did not.
    semantic_rank: int | None
    keyword_rank: int | None
    title_rank: int | None
    person_rank: int | None


def search_movies(query: str, k: int = 20, filters: MovieFilters | None = None) -> list[SearchHit]:
    """The k best visible movies for a free-text query, best first.

    Hits name movies by id: callers load only those they show (movies_in_order),
    typically one page. Raises ValueError for an empty query.
    """
    query = " ".join(query.split())
    if not query:
        raise ValueError("Search query is empty.")
    visible = Movie.objects.visible()
    if filters is not None and not filters.is_empty:
        visible = visible.filter(pk__in=Movie.objects.filter(filters.q()).values("pk"))
    vector = embedding.encode_query(query)
    rankings = {
        "semantic": movie_nearest_ids(vector=vector, k=CANDIDATES, filters=filters),
        "keyword": _keyword_ranking(visible, query),
        "title": _title_ranking(visible, query),
        "person": _person_ranking(visible, query),
    }
    scores: dict[int, float] = defaultdict(float)
    ranks: dict[int, dict[str, int]] = defaultdict(dict)
    for name, movie_ids in rankings.items():
        for rank, movie_id in enumerate(movie_ids, start=1):
            scores[movie_id] += WEIGHTS[name] / (RRF_K + rank)
            ranks[movie_id][name] = rank
    best = sorted(scores, key=lambda movie_id: (-scores[movie_id], movie_id))[:k]
    return [
        SearchHit(
            movie_id=movie_id,
            score=scores[movie_id],
            semantic_rank=ranks[movie_id].get("semantic"),
            keyword_rank=ranks[movie_id].get("keyword"),
            title_rank=ranks[movie_id].get("title"),
            person_rank=ranks[movie_id].get("person"),
        )
        for movie_id in best
    ]


def _keyword_ranking(visible: QuerySet[Movie], query: str) -> list[int]:
    """Full-text matches (GIN index on search_vector), title words weighing most."""
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return list(
        visible.filter(search_vector=search_query)
        .annotate(rank=SearchRank(F("search_vector"), search_query))
        .order_by("-rank", "pk")
        .values_list("pk", flat=True)[:CANDIDATES]
    )


def _title_ranking(visible: QuerySet[Movie], query: str) -> list[int]:
    """Titles sharing most of the query's trigrams, from the in-process title index.

    pg_trgm is not available, so the query's trigrams come from the same SQL function
    that generates the title_trigrams column. Matches are checked against `visible`
    (hidden movies, filters) in batches, best first, until CANDIDATES pass.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT catalog_title_trigrams(%s), {CATALOGUE_VERSION_SQL}",
            [query],
        )
        trigrams, version = cursor.fetchone()
    if not trigrams:
        return []
    ranked = (
        title_index_for(version)
        .ranking(trigrams, at_least=math.ceil(MIN_TITLE_MATCH * len(trigrams)))[:MAX_TITLE_MATCHES]
        .tolist()
    )
    kept: list[int] = []
    for start in range(0, len(ranked), 2 * CANDIDATES):
        batch = ranked[start : start + 2 * CANDIDATES]
        shown = set(visible.filter(pk__in=batch).values_list("pk", flat=True))
        kept += [movie_id for movie_id in batch if movie_id in shown]
        if len(kept) >= CANDIDATES:
            break
    return kept[:CANDIDATES]


def _person_ranking(visible: QuerySet[Movie], query: str) -> list[int]:
    """Films of the people whose name holds every word of the query (GIN index on the
    name), leading roles and directors first, then the most rated."""
    search_query = SearchQuery(query, search_type="plain", config="simple")
    people = (
        Person.objects.annotate(name_vector=PERSON_NAME_SEARCH_VECTOR)
        .filter(name_vector=search_query)
        .order_by(Length("name"), "pk")
        .values("pk")[:MAX_PEOPLE]
    )
    movie_ids = (
        Credit.objects.filter(person__in=people, movie__in=visible)
        .order_by("position", "-movie__rating_count", "movie_id")
        .values_list("movie_id", flat=True)[: 2 * CANDIDATES]
    )
    # A director who also acts is listed twice; the better billing counts.
    return list(dict.fromkeys(movie_ids))[:CANDIDATES]
