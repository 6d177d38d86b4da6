"""Read queries for the catalogue. Views and the API call these, never the ORM directly."""

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Exists, Q, QuerySet, Subquery
from django.utils import timezone
from pgvector.django import CosineDistance

from catalog.filters import MovieFilters
from catalog.models import VISIBLE_MOVIE_SQL, Credit, Genre, Movie, Person

# Large columns no page or API response shows: loading them would double a fetch's time.
UNSHOWN_FIELDS = ("embedding", "search_vector", "title_trigrams")


# The catalogue's version: every catalogue writer moves it, and an index answers it.
# A subquery, so that per-process copies (title index, the recommender's catalogue)
# can read it in the same round trip as their other checks.
CATALOGUE_VERSION_SQL = f"(SELECT max(updated_at) FROM {Movie._meta.db_table})"


def movie_visible_list() -> QuerySet[Movie]:
    """Movies shown to users, most rated first, with genres fetched in one extra query."""
    return (
        Movie.objects.visible()
        .defer(*UNSHOWN_FIELDS)
        .order_by("-rating_count", "title")
        .prefetch_related("genres")
    )


def movies_in_order(movie_ids: Sequence[int]) -> list[Movie]:
    """These movies in this order, with genre names; hidden or missing ones are left out."""
    movies = movies_visible_with_genre_names(movie_ids=movie_ids)
    return [movies[movie_id] for movie_id in movie_ids if movie_id in movies]


def _visible_with_genre_names_sql() -> str:
    genres = Movie.genres.field
    columns = ", ".join(
        f"m.{field.column}"
        for field in Movie._meta.concrete_fields
        if field.name not in UNSHOWN_FIELDS
    )
    return f"""
        SELECT {columns},
               ARRAY(SELECT g.name FROM {genres.m2m_db_table()} AS mg
                       JOIN {Genre._meta.db_table} AS g ON g.id = mg.{genres.m2m_reverse_name()}
                      WHERE mg.{genres.m2m_column_name()} = m.id
                      ORDER BY g.name) AS genre_names
          FROM {Movie._meta.db_table} AS m
         WHERE m.id = ANY(%s::bigint[]) AND {VISIBLE_MOVIE_SQL.format(movie="m")}
    """


VISIBLE_WITH_GENRE_NAMES_SQL = _visible_with_genre_names_sql()
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def movies_visible_with_genre_names(*, movie_ids: Sequence[int]) -> dict[int, Movie]:
    """The visible ones of these movies by id, each with `genre_names` (all of its genres,
    alphabetical) read in the same query.

    Raw SQL, because it is on the recommender's hot path: building and compiling the
    equivalent aggregate queryset cost more CPU than PostgreSQL spends answering it.
    """
    # An id past bigint (from a URL, say) matches nothing, instead of failing the cast.
    ids = [movie_id for movie_id in movie_ids if BIGINT_MIN <= movie_id <= BIGINT_MAX]
    rows = Movie.objects.raw(VISIBLE_WITH_GENRE_NAMES_SQL, [ids])
    return {movie.pk: movie for movie in rows}


def movie_get(*, movie_id: int) -> Movie:
    """A visible movie, with `genre_names`, in one query; or Movie.DoesNotExist.
    Its embedding is not loaded: similar_movies() reads it in the database."""
    movie = movies_visible_with_genre_names(movie_ids=[movie_id]).get(movie_id)
    if movie is None:
        raise Movie.DoesNotExist(f"No visible movie {movie_id}.")
    return movie


def movies_waiting_for_embedding_count() -> int:
    """Movies whose embedding is missing or stale (uses the partial index on the flag)."""
    return Movie.objects.filter(needs_embedding=True).count()


def movies_waiting_unclaimed_exist(*, lease: timedelta) -> bool:
    """Dirty movies that no embedding worker holds a live lease on: work nobody is doing."""
    return (
        Movie.objects.filter(needs_embedding=True)
        .filter(
            Q(embedding_claimed_at__isnull=True)
            | Q(embedding_claimed_at__lt=timezone.now() - lease)
        )
        .exists()
    )


# HNSW candidate list size: recall@10 >= 0.95 at p95 < 5 ms on 62k movies (docs/benchmarks.md).
HNSW_EF_SEARCH = 100
HNSW_MAX_EF_SEARCH = 1000  # pgvector's upper bound


@contextmanager
def hnsw_search(*, k: int) -> Iterator[CursorWrapper]:
    """A transaction in which HNSW index scans can return k rows past filters and exclusions.

    Without pgvector's iterative scan, HNSW yields at most ef_search rows *before*
    the WHERE clause, so a filtered query could come back nearly empty. Relaxed
    order is cheaper than strict; callers re-sort by distance. set_config(..., true)
    is SET LOCAL: it ends with this transaction.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, true), "
            "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
            [str(min(max(HNSW_EF_SEARCH, k), HNSW_MAX_EF_SEARCH))],
        )
        yield cursor


def movies_nearest(
    *,
    vector: Sequence[float] | Subquery,
    k: int,
    filters: MovieFilters | None = None,
    exclude_ids: Collection[int] = (),
    only_if: Exists | None = None,
) -> list[Movie]:
    """The k visible movies closest to `vector` by cosine distance, through the HNSW index.

    The filters are checked during the index scan: pgvector's iterative scan keeps
    walking the graph until k rows pass them, in relaxed order that is re-sorted
    here. If its tuple budget runs out first (very selective filters), an exact
    scan of the filtered rows still returns k. Each movie gets `distance` and
    `similarity` (1 - cosine distance).
    """
    rows = _nearest_rows(vector, k, filters, exclude_ids, only_if)
    movies = movies_visible_with_genre_names(movie_ids=[pk for pk, _ in rows])
    nearest = []
    for pk, distance in rows:
        if pk in movies:  # unless hidden in between
            movie = movies[pk]
            movie.distance, movie.similarity = distance, 1.0 - distance
            nearest.append(movie)
    return nearest


def movie_nearest_ids(
    *, vector: Sequence[float], k: int, filters: MovieFilters | None = None
) -> list[int]:
    """Ids of what movies_nearest() returns, without loading the movies."""
    return [pk for pk, _ in movie_nearest_similarities(vector=vector, k=k, filters=filters)]


def movie_nearest_similarities(
    *, vector: Sequence[float], k: int, filters: MovieFilters | None = None
) -> list[tuple[int, float]]:
    """(id, cosine similarity) of what movies_nearest() returns, nearest first."""
    return [(pk, 1.0 - distance) for pk, distance in _nearest_rows(vector, k, filters, (), None)]


def _nearest_rows(
    vector: Sequence[float] | Subquery,
    k: int,
    filters: MovieFilters | None,
    exclude_ids: Collection[int],
    only_if: Exists | None,
) -> list[tuple[int, float]]:
    """(id, distance) of the k nearest, nearest first (the scan's order is relaxed)."""
    queryset = _nearest_queryset(vector, filters, exclude_ids, only_if).values_list(
        "pk", "distance"
    )
    with hnsw_search(k=k) as cursor:
        rows = list(queryset[:k])
        if len(rows) < k:
            cursor.execute("SELECT set_config('enable_indexscan', 'off', true)")
            rows = list(queryset[:k])  # a fresh slice: the first one cached its rows
    return sorted(rows, key=lambda row: row[1])


def _nearest_queryset(
    vector: Sequence[float] | Subquery,
    filters: MovieFilters | None,
    exclude_ids: Collection[int],
    only_if: Exists | None,
) -> QuerySet[Movie]:
    queryset = Movie.objects.visible().filter(embedding__isnull=False)
    if only_if is not None:
        queryset = queryset.filter(only_if)
    if exclude_ids:
        queryset = queryset.exclude(pk__in=exclude_ids)
    if filters is not None and not filters.is_empty:
        # A semi-join: a genre join would repeat rows and break the index order.
        queryset = queryset.filter(pk__in=Movie.objects.filter(filters.q()).values("pk"))
    return queryset.annotate(distance=CosineDistance("embedding", vector)).order_by("distance")


def similar_movies(movie: Movie, k: int = 10, filters: MovieFilters | None = None) -> list[Movie]:
    """Movies "more like this" one: the k nearest visible by embedding, never `movie` itself;
    none while it has no embedding. Its vector stays in the database, as a subquery."""
    own = Movie.objects.filter(pk=movie.pk, embedding__isnull=False)
    return movies_nearest(
        vector=Subquery(own.values("embedding")),
        k=k,
        filters=filters,
        exclude_ids=[movie.pk],
        # A one-time check: with a NULL vector the index would return arbitrary rows.
        only_if=Exists(own),
    )


# --- People ------------------------------------------------------------------------------

# Cast shown with a movie: the top of the billing, as on a poster.
TOP_BILLED = 8


@dataclass(frozen=True)
class MoviePeople:
    """A movie's credits as its page and API show them, billing order within each role."""

    directors: list[Credit] = field(default_factory=list)
    writers: list[Credit] = field(default_factory=list)
    cast: list[Credit] = field(default_factory=list)


def movie_people(*, movie_id: int) -> MoviePeople:
    """Directors, writers and the top-billed cast of a movie, with their people, in one query."""
    credits = (
        Credit.objects.filter(movie_id=movie_id)
        .filter(
            Q(role__in=[Credit.Role.DIRECTOR, Credit.Role.WRITER])
            | Q(role=Credit.Role.CAST, position__lt=TOP_BILLED)
        )
        .select_related("person")
        .order_by("position", "pk")
    )
    people = MoviePeople()
    by_role = {
        Credit.Role.DIRECTOR: people.directors,
        Credit.Role.WRITER: people.writers,
        Credit.Role.CAST: people.cast,
    }
    for credit in credits:
        by_role[credit.role].append(credit)
    return people


def person_get(*, person_id: int) -> Person:
    """A person, or Person.DoesNotExist (also for an id past bigint, say from a URL)."""
    if not BIGINT_MIN <= person_id <= BIGINT_MAX:
        raise Person.DoesNotExist(f"No person {person_id}.")
    return Person.objects.get(pk=person_id)


@dataclass(frozen=True)
class Filmography:
    """A person's visible films by role, newest first; a cast film carries `character`."""

    directed: list[Movie] = field(default_factory=list)
    wrote: list[Movie] = field(default_factory=list)
    acted: list[Movie] = field(default_factory=list)

    @property
    def movies(self) -> list[Movie]:
        """Each film once (one person may direct and act in it), for annotating cards."""
        return list(
            {movie.pk: movie for movie in (*self.directed, *self.wrote, *self.acted)}.values()
        )


def person_filmography(*, person_id: int) -> Filmography:
    """The person's visible films with genre names, in two queries however many films."""
    credits = list(
        Credit.objects.filter(person_id=person_id, movie__in=Movie.objects.visible()).values_list(
            "movie_id", "role", "character"
        )
    )
    movies = movies_visible_with_genre_names(movie_ids=[movie_id for movie_id, _, _ in credits])
    filmography = Filmography()
    by_role = {
        Credit.Role.DIRECTOR: filmography.directed,
        Credit.Role.WRITER: filmography.wrote,
        Credit.Role.CAST: filmography.acted,
    }
    for movie_id, role, character in credits:
        if movie_id not in movies:  # hidden in between
            continue
        movie = movies[movie_id]
        if role == Credit.Role.CAST:
            movie.character = character
        by_role[role].append(movie)
    for films in by_role.values():
        films.sort(key=lambda movie: (-(movie.year or 0), movie.title, movie.pk))
    return filmography
