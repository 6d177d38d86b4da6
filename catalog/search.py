"""Movie search: semantic neighbours, full-text matches, typo-tolerant title matches and
the films of people named in the query, fused by reciprocal rank (RRF); films whose title
is the query come first. Each ranking keeps only what clears its own relevance floor, so a
query that few films match gets few results, not the best of the rest.

Also search-as-you-type: the films whose title starts with what has been typed so far."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import Length

from catalog import embedding
from catalog.filters import MovieFilters
from catalog.models import PERSON_NAME_SEARCH_VECTOR, Credit, Movie, Person
from catalog.selectors import CATALOGUE_VERSION_SQL, movie_nearest_similarities
from catalog.title_index import title_index_for
from catalog.titles import normalize_title

CANDIDATES = 50  # per ranking
RRF_K = 60
# A title or keyword hit is stronger evidence than semantic nearness: "Godfather"
# must put The Godfather films before other mafia films that merely feel close.
# A person's name is as strong as a keyword: "Tom Hanks" finds his films, while a
# title that merely shares a word with someone's name ("Love Actually", Courtney Love)
# still wins on its title.
WEIGHTS = {"semantic": 1.0, "keyword": 1.5, "title": 2.0, "person": 1.5}
# Share of the query's trigrams a title must contain: "godfathr" keeps 7 of 9 in
# "The Godfather" and "matrx" 4 of 6 in "The Matrix", while a long plot description
# matches no title by accident.
MIN_TITLE_MATCH = 2 / 3
# Share of each word's trigrams (stop words aside) the title must contain as well: "Tom
# Horn" holds most of the trigrams of "Tom Hanks" but hardly any of "hanks", and "The
# Straight Story" most of "toy story" but none of "toy" beyond its first letter.
MIN_WORD_MATCH = 3 / 5
# Semantic nearness counts for a film whose cosine similarity to the query is at least
# MIN_SIMILARITY, at most SIMILARITY_MARGIN below the nearest film's, and at least MIN_LEAD
# above the CANDIDATES-th nearest: it must stand out from the crowd. On ml-latest-small
# with MiniLM, the 50 films nearest to a name no film is about all lie within 0.10 of
# each other ("Tom Hanks": 0.47 down to 0.37, "Christopher Nolan": 0.47 to 0.39), while a
# described film leads the crowd ("dinosaurs escape a theme park": Jurassic Park 0.70, the
# 50th 0.33; "a ship sinks": 0.49 and 0.27).
MIN_SIMILARITY = 0.4
SIMILARITY_MARGIN = 0.15
MIN_LEAD = 0.11
# Title matches checked against visibility and filters, at most: a short query can
# match thousands of titles, of which only the best CANDIDATES count.
MAX_TITLE_MATCHES = 1000
# People whose name holds every word of the query, closest names first: "John" alone
# names thousands of people, whose films would drown everything else.
MAX_PEOPLE = 10
# A query that could be someone's name: two to four words of letters ("Tom Hanks",
# "Jean-Pierre Jeunet", "J. R. R. Tolkien"), none of them an English stop word, written
# as names are (each word capitalised) or about no film ("tom hanks", not "mafia saga").
_NAME_WORD = re.compile(r"[^\W\d_][\w.'’-]*")
NAME_WORDS = range(2, 5)
# Search-as-you-type: what it needs typed before suggesting, and how many it suggests.
SUGGEST_MIN_LENGTH = 2
SUGGESTIONS = 8


@dataclass(frozen=True)
class SearchHit:
    movie_id: int
    score: float
    # 1-based rank in each ranking the movie appeared in, None where it did not.
    semantic_rank: int | None
    keyword_rank: int | None
    title_rank: int | None
    person_rank: int | None
    # Its title (or an alternative title) is the query, articles and case aside.
    exact_title: bool = False


@dataclass(frozen=True)
class SearchResults:
    query: str  # as searched: whitespace collapsed
    hits: list[SearchHit]
    # Cast and crew whose name holds every word of the query, closest names first.
    people: list[Person] = field(default_factory=list)
    # The query reads like a person's name, yet names nobody in the cast and crew we know.
    unknown_person: bool = False
    # Whether any cast and crew are known at all (told only with unknown_person).
    people_known: bool = True

    @property
    def movie_ids(self) -> list[int]:
        return [hit.movie_id for hit in self.hits]

    @property
    def unknown_person_notice(self) -> str:
        """What the search page and the API say when the query names nobody we know ("" when
        it does, or does not read like a name)."""
        if not self.unknown_person:
            return ""
        why = "" if self.people_known else ": no cast and crew have been imported yet"
        return f"No one named “{self.query}” is in the cast and crew we know{why}."


def search_movies(query: str, k: int = 20, filters: MovieFilters | None = None) -> SearchResults:
    """Up to k visible movies for a free-text query, best first: those titled as the query
    (popular first), then the fused rankings' films above their relevance floors.

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
    title = _title_matches(visible, query)
    people = _people_named(query)
    rankings = {
        "semantic": _semantic_ranking(vector, filters),
        "keyword": _keyword_ranking(visible, query),
        "title": title.ranking,
        "person": _person_ranking(visible, people),
    }
    scores: dict[int, float] = defaultdict(float)
    ranks: dict[int, dict[str, int]] = defaultdict(dict)
    for name, movie_ids in rankings.items():
        for rank, movie_id in enumerate(movie_ids, start=1):
            scores[movie_id] += WEIGHTS[name] / (RRF_K + rank)
            ranks[movie_id][name] = rank
    exact = set(title.exact)
    rest = sorted(scores.keys() - exact, key=lambda movie_id: (-scores[movie_id], movie_id))
    hits = [
        SearchHit(
            movie_id=movie_id,
            score=scores[movie_id],
            semantic_rank=ranks[movie_id].get("semantic"),
            keyword_rank=ranks[movie_id].get("keyword"),
            title_rank=ranks[movie_id].get("title"),
            person_rank=ranks[movie_id].get("person"),
            exact_title=movie_id in exact,
        )
        for movie_id in [*title.exact, *rest][:k]
    ]
    unknown_person = (
        not people
        and not (title.exact or title.ranking)  # "Star Wars" is not someone
        and _reads_like_a_name(query, title, about_films=bool(rankings["semantic"]))
    )
    return SearchResults(
        query=query,
        hits=hits,
        people=people,
        unknown_person=unknown_person,
        people_known=not unknown_person or Person.objects.exists(),
    )


def _semantic_ranking(vector: Sequence[float], filters: MovieFilters | None) -> list[int]:
    """The nearest films by embedding, as far as they are close enough to be about it."""
    nearest = movie_nearest_similarities(vector=vector, k=CANDIDATES, filters=filters)
    if not nearest:
        return []
    floor = max(MIN_SIMILARITY, nearest[0][1] - SIMILARITY_MARGIN, nearest[-1][1] + MIN_LEAD)
    return [movie_id for movie_id, similarity in nearest if similarity >= floor]


@dataclass(frozen=True)
class _TitleMatches:
    exact: list[int]  # visible movies titled as the query, the better known first
    ranking: list[int]  # typo-tolerant matches, best first
    query_lexemes: int  # English full-text lexemes in the query (stop words have none)


# The query's trigrams, the catalogue's version, the query's English lexemes (stop words
# have none) and the trigrams of each of its words that is not a stop word: one round trip.
_TITLE_QUERY_SQL = f"""
    SELECT catalog_title_trigrams(%(query)s), {CATALOGUE_VERSION_SQL},
           length(to_tsvector('english', %(query)s)),
           (SELECT coalesce(json_agg(catalog_title_trigrams(word)), '[]')
              FROM regexp_split_to_table(lower(%(query)s), '[^[:alnum:]]+') AS word
             WHERE word <> '' AND length(to_tsvector('english', word)) > 0)
"""


def _title_matches(visible: QuerySet[Movie], query: str) -> _TitleMatches:
    """Exact and typo-tolerant title matches, from the in-process title index.

    pg_trgm is not available, so the query's trigrams come from the same SQL function
    that generates the title_trigrams column. Matches are checked against `visible`
    (hidden movies, filters) in batches, best first, until CANDIDATES pass.
    """
    with connection.cursor() as cursor:
        cursor.execute(_TITLE_QUERY_SQL, {"query": query})
        trigrams, version, lexemes, word_trigrams = cursor.fetchone()
    index = title_index_for(version)
    exact = index.exact(normalize_title(query)).tolist()
    if exact:
        exact = _visible_in_order(visible, exact)
    if not trigrams:
        return _TitleMatches(exact=exact, ranking=[], query_lexemes=lexemes)
    ranked = index.ranking(
        trigrams,
        at_least=math.ceil(MIN_TITLE_MATCH * len(trigrams)),
        words=[(word, math.ceil(MIN_WORD_MATCH * len(word))) for word in word_trigrams],
    )
    return _TitleMatches(
        exact=exact,
        ranking=_visible_in_order(visible, ranked[:MAX_TITLE_MATCHES].tolist()),
        query_lexemes=lexemes,
    )


def _visible_in_order(visible: QuerySet[Movie], ranked: list[int]) -> list[int]:
    """The first CANDIDATES of `ranked` that `visible` holds, checked in batches."""
    kept: list[int] = []
    for start in range(0, len(ranked), 2 * CANDIDATES):
        batch = ranked[start : start + 2 * CANDIDATES]
        shown = set(visible.filter(pk__in=batch).values_list("pk", flat=True))
        kept += [movie_id for movie_id in batch if movie_id in shown]
        if len(kept) >= CANDIDATES:
            break
    return kept[:CANDIDATES]


def _reads_like_a_name(query: str, title: _TitleMatches, *, about_films: bool) -> bool:
    words = query.split()
    return (
        len(words) in NAME_WORDS
        and all(_NAME_WORD.fullmatch(word) for word in words)
        # Every word its own lexeme: no stop word ("the", "of") and no word said twice.
        and title.query_lexemes == len({word.casefold() for word in words})
        and (all(word[0].isupper() for word in words) or not about_films)
    )


def _keyword_ranking(visible: QuerySet[Movie], query: str) -> list[int]:
    """Full-text matches (GIN index on search_vector), title words weighing most."""
    search_query = SearchQuery(query, search_type="websearch", config="english")
    return list(
        visible.filter(search_vector=search_query)
        .annotate(rank=SearchRank(F("search_vector"), search_query))
        .order_by("-rank", "pk")
        .values_list("pk", flat=True)[:CANDIDATES]
    )


def _people_named(query: str) -> list[Person]:
    """People whose name holds every word of the query (GIN index on the name), the
    shortest names first: "Hanks" is Tom Hanks before Colin Hanks Jr."""
    search_query = SearchQuery(query, search_type="plain", config="simple")
    return list(
        Person.objects.annotate(name_vector=PERSON_NAME_SEARCH_VECTOR)
        .filter(name_vector=search_query)
        .order_by(Length("name"), "pk")[:MAX_PEOPLE]
    )


def _person_ranking(visible: QuerySet[Movie], people: list[Person]) -> list[int]:
    """Films of these people, leading roles and directors first, then the most rated."""
    if not people:
        return []
    movie_ids = (
        Credit.objects.filter(person__in=people, movie__in=visible)
        .order_by("position", "-movie__rating_count", "movie_id")
        .values_list("movie_id", flat=True)[: 2 * CANDIDATES]
    )
    # A director who also acts is listed twice; the better billing counts.
    return list(dict.fromkeys(movie_ids))[:CANDIDATES]


def movie_suggestions(query: str, *, k: int = SUGGESTIONS) -> list[Movie]:
    """Visible films whose title, or a later word of it, starts with what has been typed
    ("ali" -> Alien, Aliens; "wars" -> Star Wars), the better known first, with only their
    title, year and poster loaded: two queries and no model, fast enough for every key
    press. None before SUGGEST_MIN_LENGTH characters."""
    prefix = normalize_title(query, keep_article=True)
    if len(" ".join(query.split())) < SUGGEST_MIN_LENGTH or not prefix:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {CATALOGUE_VERSION_SQL}")
        (version,) = cursor.fetchone()
    # Some of the best may be hidden: enough extra to fill k after the visibility check.
    ranked = title_index_for(version).prefixed(prefix)[: 4 * k].tolist()
    movies = Movie.objects.visible().only("title", "year", "poster_path").in_bulk(ranked)
    return [movies[movie_id] for movie_id in ranked if movie_id in movies][:k]
