"""The movie page's actions: rate, clear the rating, the watchlist and "not interested".

They write through `ratings`, and here rather than there because the panel they answer
with shows the recommender's predicted stars, which moves with each rating. Every change
is a POST form that works without JavaScript (redirect + message) and, sent by htmx,
answers with the panel to swap instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from catalog.models import Movie
from catalog.selectors import movie_get
from core.http import is_htmx, next_url
from ratings.selectors import movie_state
from ratings.services import (
    not_interested_add,
    not_interested_remove,
    rating_delete,
    rating_upsert,
    watchlist_add,
    watchlist_remove,
)
from ratings.templatetags.ratings import stars
from recommendations.predictions import predicted_scores


def visible_movie_or_404(movie_id: int) -> Movie:
    try:
        return movie_get(movie_id=movie_id)
    except Movie.DoesNotExist:
        raise Http404(f"No movie with id {movie_id}.") from None


def rate_posted(request: HttpRequest, movie: Movie) -> tuple[str, int]:
    """Save the posted score; the message to show and its level."""
    score = request.POST.get("score", "").strip()
    if not score:
        return "Pick a score from ½ to 5 stars first.", messages.ERROR
    try:
        rating = rating_upsert(user=request.user, movie=movie, score=score)
    except ValidationError as exc:
        return " ".join(exc.messages), messages.ERROR
    return f"You rated {movie.title} {stars(rating.score)}.", messages.SUCCESS


def _movie_action_done(
    request: HttpRequest, movie: Movie, message: str, level: int = messages.SUCCESS
) -> HttpResponse:
    """htmx: the refreshed actions panel with the message in it. Otherwise: back with a message."""
    if is_htmx(request):
        context = {
            "movie": movie,
            "state": movie_state(user=request.user, movie=movie),
            # Rating or clearing it moves the prediction (and hides it while rated).
            "predicted": predicted_scores(user=request.user, movie_ids=[movie.pk]).get(movie.pk),
            "feedback": message,
            "feedback_is_error": level == messages.ERROR,
        }
        return render(request, "pages/_movie_actions.html", context)
    messages.add_message(request, level, message)
    return redirect(next_url(request, reverse("pages:movie-detail", args=[movie.pk])))


@login_required
@require_POST
def rate(request: HttpRequest, movie_id: int) -> HttpResponse:
    movie = visible_movie_or_404(movie_id)
    return _movie_action_done(request, movie, *rate_posted(request, movie))


@login_required
@require_POST
def rating_remove(request: HttpRequest, movie_id: int) -> HttpResponse:
    movie = visible_movie_or_404(movie_id)
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
    movie = visible_movie_or_404(movie_id)
    add, remove, added, removed = LISTS[list_name]
    if request.POST.get("action") == "remove":
        remove(user=request.user, movie=movie)
        message = removed.format(movie.title)
    else:
        add(user=request.user, movie=movie)
        message = added.format(movie.title)
    return _movie_action_done(request, movie, message)
