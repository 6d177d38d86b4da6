"""Catalogue reads behind the browse and home pages: sorting, "highly rated", "new"."""

from __future__ import annotations

from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import ExpressionWrapper, RawSQL

from catalog.filters import MovieFilters
from catalog.models import Genre, Movie
from catalog.selectors import movie_visible_list

# A film's average counts as if it also had this many ratings at the catalogue's mean, so
# one 5-star rating does not outrank thousands of 4.5s (a Bayesian average).
PRIOR_RATINGS = 20
# The prior's mean while nothing is rated yet.
EMPTY_CATALOGUE_MEAN = 3.5

# The catalogue's mean rating, computed in the same statement as the sort.
_CATALOGUE_MEAN = RawSQL(
    f"SELECT COALESCE(SUM(rating_sum) / NULLIF(SUM(rating_count), 0), "
    f"{EMPTY_CATALOGUE_MEAN})::float8 FROM {Movie._meta.db_table}",
    [],
    output_field=FloatField(),
)
BAYESIAN_RATING = ExpressionWrapper(
    (_CATALOGUE_MEAN * PRIOR_RATINGS + F("rating_sum")) / (PRIOR_RATINGS + F("rating_count")),
    output_field=FloatField(),
)

# The catalogue's quality floor for the lists it puts forward itself ("New additions"):
# rated by at least this many people, and a Bayesian rating at or above the catalogue's
# mean. Below this many ratings a film is an obscurity whatever its stars say.
QUALITY_FLOOR_RATINGS = 5

# Browse sorts: key -> (label, ordering). The last column of each breaks ties stably.
SORTS: dict[str, tuple[str, tuple]] = {
    "popular": ("Most popular", (F("rating_count").desc(), "title", "pk")),
    "rating": ("Highest rated", (F("bayesian_rating").desc(), "title", "pk")),
    "newest": ("Newest first", (F("year").desc(nulls_last=True), "title", "pk")),
    "oldest": ("Oldest first", (F("year").asc(nulls_last=True), "title", "pk")),
    "title": ("Title A–Z", ("title", "year", "pk")),
}
DEFAULT_SORT = "popular"


def movie_browse_list(*, filters: MovieFilters, sort: str = DEFAULT_SORT) -> QuerySet[Movie]:
    """Visible movies within `filters`, in one of SORTS, genres prefetched."""
    movies = movie_visible_list().filter(filters.q())
    if sort == "rating":
        movies = movies.annotate(bayesian_rating=BAYESIAN_RATING)
    return movies.order_by(*SORTS[sort][1])


def movie_top_rated_list() -> QuerySet[Movie]:
    """Rated movies by Bayesian average: well and often liked first."""
    return movie_browse_list(filters=MovieFilters(), sort="rating").filter(rating_count__gt=0)


def movie_new_list() -> QuerySet[Movie]:
    """Most recently added to the catalogue first, among the films above its quality floor
    (`QUALITY_FLOOR_RATINGS`): a new film shows once people have rated it, and well."""
    return (
        movie_visible_list()
        .filter(rating_count__gte=QUALITY_FLOOR_RATINGS)
        .annotate(bayesian_rating=BAYESIAN_RATING)
        .filter(bayesian_rating__gte=_CATALOGUE_MEAN)
        .order_by("-created_at", "-pk")
    )


def movie_featured_list() -> QuerySet[Movie]:
    """Editorial picks (staff feature them in the admin), most rated first."""
    return movie_visible_list().filter(is_featured=True)


def genre_names() -> list[str]:
    """Genres that have at least one visible movie, for filters and onboarding."""
    return list(
        Genre.objects.filter(movies__in=Movie.objects.visible())
        .exclude(name__startswith="(")  # MovieLens' "(no genres listed)"
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )
