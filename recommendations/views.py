"""Pages for the user's own ratings and lists, onboarding, import, taste, the movie map and
Watch Together.

Every change is a POST form that works without JavaScript (redirect + message) and,
sent by htmx, answers with the HTML fragment to swap instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import (
    condition,
    require_GET,
    require_http_methods,
    require_POST,
)

from accounts.models import User
from catalog.browse import genre_names
from catalog.models import Movie
from catalog.movie_map import movie_map_current, movie_map_payload, movie_map_version
from catalog.selectors import movie_get
from ratings.rating_import import ratings_import_file
from ratings.selectors import (
    RATING_SORTS,
    WATCHLIST_SORTS,
    movie_cards_annotate,
    movie_state,
    rating_count,
    rating_list,
    rating_list_sorted,
    watchlist_list,
    watchlist_list_sorted,
)
from ratings.services import (
    not_interested_add,
    not_interested_remove,
    rating_delete,
    rating_upsert,
    watchlist_add,
    watchlist_remove,
)
from ratings.templatetags.ratings import stars
from recommendations.api_selectors import group_members_get
from recommendations.config import ALGORITHM_CHOICES, Algorithm
from recommendations.forms import (
    OnboardingGenresForm,
    RatingImportForm,
    RecommenderChoiceForm,
    WatchTogetherForm,
)
from recommendations.hybrid import recommend_for_group, recommend_for_user
from recommendations.personal import (
    ONBOARDING_TARGET,
    group_newcomers,
    group_partners,
    onboarding_candidates,
)
from recommendations.predictions import predicted_scores
from recommendations.selectors import recommender_algorithm
from recommendations.services import recommender_algorithm_set
from recommendations.taste import genre_stats, score_histogram
from social.selectors import following_ids, person_visible_get

LIST_PAGE_SIZE = 30
ONBOARDING_PAGE = 6  # films offered at once
MAP_RECOMMENDATIONS = 30  # recommendations marked on the movie map
GROUP_PICKS = 12
# Session keys: onboarding choices need no table, and a skipped film is only skipped for now.
GENRES_KEY = "onboarding_genres"
SKIPPED_KEY = "onboarding_skipped"
MAX_SKIPPED = 500


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _bound(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _visible_movie(movie_id: int) -> Movie:
    try:
        return movie_get(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise Http404(f"No movie with id {movie_id}.") from None


def _next_url(request: HttpRequest, default: str) -> str:
    """The form's `next` when it is a page of this site, else `default`."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else default


def _sort(request: HttpRequest, sorts: dict) -> str:
    sort = request.GET.get("sort", "date")
    return sort if sort in sorts else "date"


# --- Rating, watchlist and "not interested" ------------------------------------------------


def _movie_action_done(
    request: HttpRequest, movie: Movie, message: str, level: int = messages.SUCCESS
) -> HttpResponse:
    """htmx: the refreshed actions panel with the message in it. Otherwise: back with a message."""
    if _is_htmx(request):
        context = {
            "movie": movie,
            "state": movie_state(user=request.user, movie=movie),
            # Rating or clearing it moves the prediction (and hides it while rated).
            "predicted": predicted_scores(user=request.user, movie_ids=[movie.pk]).get(movie.pk),
            "feedback": message,
            "feedback_is_error": level == messages.ERROR,
        }
        return render(request, "recommendations/_movie_actions.html", context)
    messages.add_message(request, level, message)
    return redirect(_next_url(request, reverse("pages:movie-detail", args=[movie.pk])))


def _rate(request: HttpRequest, movie: Movie) -> tuple[str, int]:
    """Save the posted score; the message to show and its level."""
    score = request.POST.get("score", "").strip()
    if not score:
        return "Pick a score from ½ to 5 stars first.", messages.ERROR
    try:
        rating = rating_upsert(user=request.user, movie=movie, score=score)
    except ValidationError as exc:
        return " ".join(exc.messages), messages.ERROR
    return f"You rated {movie.title} {stars(rating.score)}.", messages.SUCCESS


@login_required
@require_POST
def rate(request: HttpRequest, movie_id: int) -> HttpResponse:
    movie = _visible_movie(movie_id)
    return _movie_action_done(request, movie, *_rate(request, movie))


@login_required
@require_POST
def rating_remove(request: HttpRequest, movie_id: int) -> HttpResponse:
    movie = _visible_movie(movie_id)
    removed = rating_delete(user=request.user, movie=movie)
    message = f"Your rating of {movie.title} was removed." if removed else "Nothing to remove."
    return _movie_action_done(request, movie, message, messages.SUCCESS)


# list name in the URL -> (add, remove, message when added, message when removed)
LISTS = {
    "watchlist": (
        watchlist_add,
        watchlist_remove,
        "{} is on your watchlist.",
        "{} is off your watchlist.",
    ),
    "not-interested": (
        not_interested_add,
        not_interested_remove,
        "We won't recommend {} again.",
        "{} may be recommended again.",
    ),
}


@login_required
@require_POST
def list_change(request: HttpRequest, movie_id: int, list_name: str) -> HttpResponse:
    movie = _visible_movie(movie_id)
    add, remove, added, removed = LISTS[list_name]
    if request.POST.get("action") == "remove":
        remove(user=request.user, movie=movie)
        message = removed.format(movie.title)
    else:
        add(user=request.user, movie=movie)
        message = added.format(movie.title)
    return _movie_action_done(request, movie, message)


# --- Onboarding ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    """Step 1: favourite genres (optional)."""
    form = OnboardingGenresForm(
        _bound(request), genres=genre_names(), initial={"genres": request.session.get(GENRES_KEY)}
    )
    if form.is_valid():
        request.session[GENRES_KEY] = form.cleaned_data["genres"]
        return redirect("recommendations:onboarding-rate")
    return render(request, "recommendations/onboarding_genres.html", {"form": form})


def _posted_ids(request: HttpRequest, name: str) -> list[int]:
    return [int(value) for value in request.POST.getlist(name) if value.isdigit()]


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_rate(request: HttpRequest) -> HttpResponse:
    """Step 2: rate (or skip) popular films until there are enough ratings to go on."""
    message, level = "", messages.SUCCESS
    if request.method == "POST":
        skipped = _posted_ids(request, "skip")
        if skipped:
            previous = request.session.get(SKIPPED_KEY, [])
            request.session[SKIPPED_KEY] = (previous + skipped)[-MAX_SKIPPED:]
        else:
            movie = _visible_movie((_posted_ids(request, "movie") or [0])[0])
            message, level = _rate(request, movie)
        if not _is_htmx(request):
            if message:
                messages.add_message(request, level, message)
            return redirect("recommendations:onboarding-rate")
    count = rating_count(user=request.user)
    context = {
        "movies": onboarding_candidates(
            user=request.user,
            genres=request.session.get(GENRES_KEY, []),
            skipped=request.session.get(SKIPPED_KEY, []),
            n=ONBOARDING_PAGE,
        ),
        "count": count,
        "target": ONBOARDING_TARGET,
        "done": count >= ONBOARDING_TARGET,
        "feedback": message,
        "feedback_is_error": level == messages.ERROR,
    }
    if _is_htmx(request):
        return render(request, "recommendations/_onboarding_panel.html", context)
    return render(request, "recommendations/onboarding_rate.html", context)


# --- My ratings and watchlist --------------------------------------------------------------


def _my_list(request: HttpRequest, kind: str, items, sorts: dict, sort: str) -> HttpResponse:
    page = Paginator(items, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "kind": kind,
        "page": page,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _) in sorts.items()],
    }
    return render(request, "recommendations/my_list.html", context)


@login_required
@require_GET
def ratings(request: HttpRequest) -> HttpResponse:
    sort = _sort(request, RATING_SORTS)
    items = rating_list_sorted(user=request.user, sort=sort)
    return _my_list(request, "ratings", items, RATING_SORTS, sort)


@login_required
@require_GET
def watchlist(request: HttpRequest) -> HttpResponse:
    sort = _sort(request, WATCHLIST_SORTS)
    items = watchlist_list_sorted(user=request.user, sort=sort)
    return _my_list(request, "watchlist", items, WATCHLIST_SORTS, sort)


# --- Import --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rating_import(request: HttpRequest) -> HttpResponse:
    form = RatingImportForm(_bound(request), request.FILES or None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = ratings_import_file(
                user=request.user, data=upload.read(), filename=upload.name
            )
        except ValueError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"Imported {len(report.matched)} ratings from {upload.name}.")
            return render(request, "recommendations/import_report.html", {"report": report})
    return render(request, "recommendations/import.html", {"form": form})


# --- Taste profile -------------------------------------------------------------------------


def _genre_context(user: User) -> dict:
    """The genre chart's data (for the script) and rows (for the table beside it)."""
    stats = genre_stats(user=user)
    chart = {
        "labels": [stat.genre for stat in stats],
        "counts": [stat.count for stat in stats],
        "means": [stat.mean for stat in stats],
    }
    return {"genre_stats": stats, "chart_data": {"genres": chart}, "owner": user}


@login_required
@require_GET
def taste_profile(request: HttpRequest) -> HttpResponse:
    histogram = score_histogram(user=request.user)
    context = _genre_context(request.user)
    context["histogram"] = histogram
    context["chart_data"] |= {
        "histogram": {
            "labels": [str(score) for score, _ in histogram],
            "counts": [n for _, n in histogram],
        },
    }
    return render(request, "recommendations/taste_profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def recommender_choice(request: HttpRequest) -> HttpResponse:
    """Which recommender ranks "Picked for you", as movielens.org lets people switch."""
    current = recommender_algorithm(user_id=request.user.pk)
    form = RecommenderChoiceForm(request.POST or None, initial={"algorithm": current.value})
    if request.method == "POST" and form.is_valid():
        chosen = Algorithm(form.cleaned_data["algorithm"])
        recommender_algorithm_set(user=request.user, algorithm=chosen)
        messages.success(request, f"Your recommendations now come from {chosen.label}.")
        return redirect("pages:home")
    options = [Algorithm(value) for value, _ in ALGORITHM_CHOICES]
    context = {"form": form, "options": options, "current": current}
    return render(
        request, "recommendations/recommender.html", context, status=400 if form.errors else 200
    )


@require_GET
def public_taste(request: HttpRequest, username: str) -> HttpResponse:
    """Another user's genre chart, only when their profile is public (else a plain 404)."""
    owner = person_visible_get(viewer=request.user, username=username)  # or Http404
    return render(request, "recommendations/taste_profile.html", _genre_context(owner))


# --- Movie map ----------------------------------------------------------------------------


@require_GET
def movie_map(request: HttpRequest) -> HttpResponse:
    """The map page; its script draws the points from the two JSON views below."""
    current = movie_map_current()
    context = {
        "movie_map": current,
        "clusters": list(current.clusters.order_by("-size")) if current else [],
        # The script fills in the id: one URL pattern, not one reverse() per point.
        "movie_url": reverse("pages:movie-detail", args=[0]).replace("/0/", "/{id}/"),
    }
    return render(request, "recommendations/movie_map.html", context)


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


@require_GET
@never_cache
def movie_map_mine(request: HttpRequest) -> JsonResponse:
    """The signed-in user's films to mark on the map: rated (with the score), on the
    watchlist, and recommended. Empty lists for a visitor."""
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


# --- Watch together ------------------------------------------------------------------------


@login_required
@require_GET
def watch_together(request: HttpRequest) -> HttpResponse:
    """Picks for the viewer and up to MAX_GROUP_MEMBERS others, named in `others` (typed,
    or ticked among the people they follow)."""
    names = request.GET.getlist("others")
    form = WatchTogetherForm(names if names else None)
    group, picks, newcomers = [], [], set()
    if form.is_valid():
        try:
            others = group_members_get(viewer=request.user, usernames=form.cleaned_data["others"])
        except PermissionDenied as refused:
            form.add_error("others", str(refused))
        else:
            group = [request.user, *others]
            picks = recommend_for_group(group, k=GROUP_PICKS)
            newcomers = group_newcomers(users=group)
            for pick in picks:
                pick.movie.explanation = pick.explanation
            movie_cards_annotate(user=request.user, movies=[pick.movie for pick in picks])
    context = {
        "form": form,
        "group": [(member, member.pk in newcomers) for member in group],
        "others": [member.get_username() for member in group[1:]],
        "movies": [pick.movie for pick in picks],
        # Quick picks: the people you follow who allow it.
        "followed_partners": group_partners(viewer=request.user)
        .filter(pk__in=following_ids(user=request.user))
        .order_by("username"),
    }
    return render(request, "recommendations/watch_together.html", context)
