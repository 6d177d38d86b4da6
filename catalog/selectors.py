"""Read queries for the catalogue. Views and the API call these, never the ORM directly."""

from django.db.models import QuerySet

from catalog.models import Movie


def movie_visible_list() -> QuerySet[Movie]:
    """Movies shown to users, most rated first, with genres fetched in one extra query."""
    return (
        Movie.objects.filter(is_hidden=False)
        .order_by("-rating_count", "title")
        .prefetch_related("genres")
    )


def movie_get(*, movie_id: int) -> Movie:
    """A visible movie or Movie.DoesNotExist."""
    return Movie.objects.prefetch_related("genres").get(pk=movie_id, is_hidden=False)
