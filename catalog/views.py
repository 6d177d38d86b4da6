from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.models import Movie
from catalog.selectors import movie_get, movie_visible_list

MOVIES_PER_PAGE = 24


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", {"popular": movie_visible_list()[:12]})


def movie_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(movie_visible_list(), MOVIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "catalog/movie_list.html", {"page": page})


def movie_detail(request: HttpRequest, movie_id: int) -> HttpResponse:
    try:
        movie = movie_get(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise Http404(f"No movie with id {movie_id}.") from None
    return render(request, "catalog/movie_detail.html", {"movie": movie})
