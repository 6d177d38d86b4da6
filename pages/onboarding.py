"""Onboarding after sign-up: favourite genres (catalog), then rating (ratings) the films
the recommender offers for them until there are enough ratings to go on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from catalog.browse import genre_names
from core.http import is_htmx, posted
from pages.forms import OnboardingGenresForm
from pages.movie_actions import rate_posted, visible_movie_or_404
from ratings.selectors import rating_count
from recommendations.personal import ONBOARDING_TARGET, onboarding_candidates

ONBOARDING_PAGE = 6  # films offered at once
# Session keys: onboarding choices need no table, and a skipped film is only skipped for now.
GENRES_KEY = "onboarding_genres"
SKIPPED_KEY = "onboarding_skipped"
MAX_SKIPPED = 500


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    """Step 1: favourite genres (optional)."""
    form = OnboardingGenresForm(
        posted(request), genres=genre_names(), initial={"genres": request.session.get(GENRES_KEY)}
    )
    if form.is_valid():
        request.session[GENRES_KEY] = form.cleaned_data["genres"]
        return redirect("pages:onboarding-rate")
    return render(request, "pages/onboarding_genres.html", {"form": form})


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
            movie = visible_movie_or_404((_posted_ids(request, "movie") or [0])[0])
            message, level = rate_posted(request, movie)
        if not is_htmx(request):
            if message:
                messages.add_message(request, level, message)
            return redirect("pages:onboarding-rate")
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
    if is_htmx(request):
        return render(request, "pages/_onboarding_panel.html", context)
    return render(request, "pages/onboarding_rate.html", context)
