"""Movie search: semantic neighbours, full-text matches and typo-tolerant title matches,
fused by reciprocal rank (RRF)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Func, IntegerField, QuerySet
from django.db.models.expressions import RawSQL

from catalog import embedding
from catalog.filters import MovieFilters
from catalog.models import Movie
from catalog.selectors import UNSHOWN_FIELDS, movies_nearest

CANDIDATES = 50  # per ranking
RRF_K = 60
# A title or keyword hit is stronger evidence than semantic nearness: "Godfather"
# must put The Godfather films before other mafia films that merely feel close.
WEIGHTS = {"semantic": 1.0, "keyword": 1.5, "title": 2.0}
# Share of the query's trigrams a title must contain: "godfathr" keeps 7 of 9 in
# "The Godfather", while a long plot description matches no title by accident.
MIN_TITLE_MATCH = 0.5


@dataclass(frozen=True)
class SearchHit:
    movie: Movie
    score: float
    # 1-based rank in each ranking the movie appeared in, None where it did not.
    semantic_rank: int | None
    keyword_rank: int | None
    title_rank: int | None


def search_movies(query: str, k: int = 20, filters: MovieFilters | None = None) -> list[SearchHit]:
    """The k best visible movies for a free-text query, best first.

    Raises ValueError for an empty query.
    """
    query = " ".join(query.split())
    if not query:
        raise ValueError("Search query is empty.")
    visible = Movie.objects.filter(is_hidden=False)
    if filters is not None and not filters.is_empty:
        visible = visible.filter(pk__in=Movie.objects.filter(filters.q()).values("pk"))
    vector = embedding.encode_query(query)
    rankings = {
        "semantic": [m.pk for m in movies_nearest(vector=vector, k=CANDIDATES, filters=filters)],
        "keyword": _keyword_ranking(visible, query),
        "title": _title_ranking(visible, query),
    }
    scores: dict[int, float] = defaultdict(float)
    ranks: dict[int, dict[str, int]] = defaultdict(dict)
    for name, movie_ids in rankings.items():
        for rank, movie_id in enumerate(movie_ids, start=1):
            scores[movie_id] += WEIGHTS[name] / (RRF_K + rank)
            ranks[movie_id][name] = rank
    best = sorted(scores, key=lambda movie_id: (-scores[movie_id], movie_id))[:k]
    movies = Movie.objects.defer(*UNSHOWN_FIELDS).prefetch_related("genres").in_bulk(best)
    return [
        SearchHit(
            movie=movies[movie_id],
            score=scores[movie_id],
            semantic_rank=ranks[movie_id].get("semantic"),
            keyword_rank=ranks[movie_id].get("keyword"),
            title_rank=ranks[movie_id].get("title"),
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
    """Titles sharing most of the query's trigrams (GIN index on title_trigrams).

    pg_trgm is not available, so trigrams come from the same SQL function that
    generates the title_trigrams column, and similarity is counted by hand.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_title_trigrams(%s)", [query])
        trigrams = cursor.fetchone()[0]
    if not trigrams:
        return []
    shared = RawSQL(
        "cardinality(ARRAY(SELECT unnest(catalog_movie.title_trigrams)"
        " INTERSECT SELECT unnest(%s::text[])))",
        [trigrams],
        output_field=IntegerField(),
    )
    return list(
        visible.filter(title_trigrams__overlap=trigrams)
        .annotate(
            shared=shared,
            size=Func("title_trigrams", function="cardinality", output_field=IntegerField()),
        )
        .filter(shared__gte=math.ceil(MIN_TITLE_MATCH * len(trigrams)))
        # For equal overlap, fewer other trigrams means more similar: "The Godfather"
        # before "The Godfather: Part II", then the better known film.
        .order_by("-shared", "size", "-rating_count", "pk")
        .values_list("pk", flat=True)[:CANDIDATES]
    )
