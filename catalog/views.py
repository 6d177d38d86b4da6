"""The movie map's page and the points it draws, the same for everyone.

Each person's own films on the map (rated, watchlisted, recommended) are pages.views.
movie_map_mine: they need the ratings and the recommender, which sit above the catalogue.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition, require_GET

from catalog.movie_map import movie_map_current, movie_map_payload, movie_map_version


@require_GET
def movie_map(request: HttpRequest) -> HttpResponse:
    """The map page; its script draws the points from movie_map_points and the user's own
    films from pages.views.movie_map_mine."""
    current = movie_map_current()
    context = {
        "movie_map": current,
        "clusters": list(current.clusters.order_by("-size")) if current else [],
        # The script fills in the id: one URL pattern, not one reverse() per point.
        "movie_url": reverse("pages:movie-detail", args=[0]).replace("/0/", "/{id}/"),
    }
    return render(request, "catalog/movie_map.html", context)


def _map_etag(request: HttpRequest) -> str | None:
    version = movie_map_version()
    return None if version is None else f"map-{version}"


@require_GET
@gzip_page  # ~10k titles and coordinates; nothing private in them, so no BREACH concern
@cache_control(public=True, max_age=300)
@condition(etag_func=_map_etag)
def movie_map_points(request: HttpRequest) -> JsonResponse:
    """Every point of the map, the same for everyone: cached by the map's version (ETag)."""
    current = movie_map_current()
    if current is None:
        return JsonResponse({"version": None, "ids": [], "clusters": []})
    return JsonResponse(movie_map_payload(current))
