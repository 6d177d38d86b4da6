from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from catalog.browse import (
    genre_names,
    movie_browse_list,
    movie_featured_list,
    movie_new_list,
    movie_top_rated_list,
)
from catalog.forms import RELEVANCE, BrowseForm
from catalog.models import Movie, Person
from catalog.movie_map import movie_neighbourhood
from catalog.search import movie_suggestions, search_movies
from catalog.selectors import (
    movie_people,
    movie_visible_list,
    movies_in_order,
    person_filmography,
    person_get,
)
from catalog.templatetags.movies import initials, poster_hue, poster_url
from pages.health import health_report
from pages.movie_actions import visible_movie_or_404
from ratings.selectors import (
    movie_cards_annotate,
    movie_popular_unseen_list,
    movie_state,
    rating_count,
    rating_list,
    watchlist_list,
)
from recommendations.config import Algorithm
from recommendations.followed import with_followed_love
from recommendations.hybrid import also_liked, recommend_for_user
from recommendations.personal import ONBOARDING_TARGET, seen_movie_ids
from recommendations.predictions import predicted_scores_annotate
from recommendations.selectors import recommender_algorithm
from recommendations.similar import because_you_liked, similar_to

MOVIES_PER_PAGE = 24
ROW_LENGTH = 12  # movies in one home page row
SEARCH_RESULTS = 96  # search ranks a fixed number of hits; they are paged like a browse
SIMILAR = 10
NEIGHBOURHOOD = 12  # nearest films on the movie page's mini-map
MAP_RECOMMENDATIONS = 30  # recommendations marked on the movie map


def _cards_annotate(*, user, movies: list[Movie]) -> None:
    """Everything the movie cards show beyond the movie, for all of them at once: genres and
    the user's own rating (ratings), and their predicted stars (recommendations). A fixed
    number of queries however many cards."""
    movie_cards_annotate(user=user, movies=movies)
    predicted_scores_annotate(user=user, movies=movies)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    featured = list(movie_featured_list()[:ROW_LENGTH])
    if not request.user.is_authenticated:
        popular = list(movie_visible_list()[:ROW_LENGTH])
        top_rated = list(movie_top_rated_list()[:ROW_LENGTH])
        context = {"popular": popular, "top_rated": top_rated, "featured": featured}
        return render(request, "catalog/home.html", context)

    user = request.user
    popular = list(movie_popular_unseen_list(user=user)[:ROW_LENGTH])
    algorithm = recommender_algorithm(user_id=user.pk)
    picks = with_followed_love(
        user, recommend_for_user(user, k=ROW_LENGTH, exclude_watchlist=True, algorithm=algorithm)
    )
    for pick in picks:
        pick.movie.explanation = pick.explanation
        pick.movie.predicted_score = pick.predicted_score
    because = because_you_liked(user=user, k=ROW_LENGTH)
    rows = {
        "picks": [pick.movie for pick in picks],
        "popular": popular,
        "new": list(movie_new_list()[:ROW_LENGTH]),
        "featured": featured,
    }
    others = [
        movie
        for row in [popular, rows["new"], featured, *(row.movies for row in because)]
        for movie in row
    ]
    movie_cards_annotate(user=user, movies=[*rows["picks"], *others])
    # The picks came with their predicted stars, cached with the list.
    predicted_scores_annotate(user=user, movies=others)
    context = {
        **rows,
        "algorithm": algorithm,
        "because": because,
        "rating_count": rating_count(user=user),
        "onboarding_target": ONBOARDING_TARGET,
    }
    return render(request, "catalog/home.html", context)


@require_GET
def movie_list(request: HttpRequest) -> HttpResponse:
    form = BrowseForm(request.GET, genres=genre_names())
    form.is_valid()  # invalid values are reported and left out, never fatal
    filters, sort = form.filters(), form.chosen_sort()
    found = results = None
    if form.searching:
        results = search_movies(form.cleaned_data["q"], k=SEARCH_RESULTS, filters=filters)
        found = results.movie_ids
    if found is not None and sort == RELEVANCE:
        page = Paginator(found, MOVIES_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = movies_in_order(page.object_list)  # only this page's movies
    else:
        movies = movie_browse_list(filters=filters, sort=sort)
        if found is not None:
            movies = movies.filter(pk__in=found)
        page = Paginator(movies, MOVIES_PER_PAGE).get_page(request.GET.get("page"))
    _cards_annotate(user=request.user, movies=list(page))
    context = {
        "form": form,
        "page": page,
        "filtered": not filters.is_empty,
        "sort": sort,
        "search": results,
    }
    return render(request, "catalog/movie_list.html", context)


@require_GET
def movie_suggest(request: HttpRequest) -> JsonResponse:
    """Search-as-you-type for every page's search box (static/js/site.js): films whose
    title starts with `q`, as JSON. Short or missing queries suggest nothing."""
    suggestions = movie_suggestions(request.GET.get("q", ""))
    return JsonResponse(
        {
            "results": [
                {
                    "id": movie.pk,
                    "title": movie.title,
                    "year": movie.year,
                    "url": reverse("pages:movie-detail", args=[movie.pk]),
                    "poster": poster_url(movie, "w92"),
                    "initials": initials(movie.title),
                    "hue": poster_hue(movie),
                }
                for movie in suggestions
            ]
        }
    )


@require_GET
def movie_detail(request: HttpRequest, movie_id: int) -> HttpResponse:
    movie = visible_movie_or_404(movie_id)
    # The mini-map shows the film's nearest neighbours; the rows leave out what the
    # viewer rated or dismissed, and still fill SIMILAR films.
    nearest = similar_to(movie, k=NEIGHBOURHOOD)
    seen = seen_movie_ids(user=request.user) if request.user.is_authenticated else None
    if seen is None:
        more_like_this = nearest[:SIMILAR]
    else:
        more_like_this = similar_to(movie, k=SIMILAR, exclude=seen)
    people_also_liked = [pick.movie for pick in also_liked(movie, k=SIMILAR, exclude=seen)]
    movie_cards_annotate(user=request.user, movies=[*more_like_this, *people_also_liked])
    # The movie itself with its cards: one prediction for the whole page.
    predicted_scores_annotate(
        user=request.user, movies=[movie, *more_like_this, *people_also_liked]
    )
    context = {
        "movie": movie,
        "state": movie_state(user=request.user, movie=movie),
        "predicted": movie.predicted_score,
        "people": movie_people(movie_id=movie.pk),
        "more_like_this": more_like_this,
        "also_liked": people_also_liked,
        "neighbourhood": movie_neighbourhood(movie=movie, neighbours=nearest),
    }
    return render(request, "catalog/movie_detail.html", context)


@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """Someone's films by role, each card with the viewer's rating or predicted stars."""
    try:
        person = person_get(person_id=person_id)
    except Person.DoesNotExist:
        raise Http404(f"No person with id {person_id}.") from None
    filmography = person_filmography(person_id=person.pk)
    _cards_annotate(user=request.user, movies=filmography.movies)
    context = {"person": person, "filmography": filmography}
    return render(request, "catalog/person_detail.html", context)


@require_GET
@never_cache
def movie_map_mine(request: HttpRequest) -> JsonResponse:
    """The signed-in user's films to mark on the movie map (catalog.views.movie_map): rated
    (with the score), on the watchlist, and recommended. Empty lists for a visitor."""
    user = request.user
    if not user.is_authenticated:
        return JsonResponse({"rated": {}, "watchlist": [], "recommended": []})
    rated = {
        str(movie_id): float(score)
        for movie_id, score in rating_list(user=user).values_list("movie_id", "score")
    }
    return JsonResponse(
        {
            "rated": rated,
            "watchlist": list(watchlist_list(user=user).values_list("movie_id", flat=True)),
            "recommended": [
                pick.movie.pk
                for pick in recommend_for_user(
                    user, k=MAP_RECOMMENDATIONS, algorithm=Algorithm.HYBRID
                )
            ],
        }
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report.as_dict(), status=200 if report.healthy else 503)
