"""The recommender's own pages: choosing which recommender ranks "Picked for you", and
Watch Together.

The pages that only show ratings live in `ratings`, the movie map in `catalog`, and the
pages that combine apps (the movie page's actions, onboarding) in `pages`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ratings.selectors import movie_cards_annotate
from recommendations.api_selectors import group_members_get
from recommendations.config import ALGORITHM_CHOICES, Algorithm
from recommendations.forms import RecommenderChoiceForm, WatchTogetherForm
from recommendations.hybrid import recommend_for_group
from recommendations.personal import group_newcomers, group_partners
from recommendations.selectors import recommender_algorithm
from recommendations.services import recommender_algorithm_set
from social.selectors import following_ids

GROUP_PICKS = 12


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
