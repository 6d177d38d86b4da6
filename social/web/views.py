"""The social pages: profiles, diaries, lists, the feed, notifications, reports.

Every change is a POST form that works without JavaScript and redirects with a
message; writes share the API's `social_write` rate. Another person's row that the
viewer may not see is a 404 (social.selectors), like a missing one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.api import movie_or_404
from core.api_policies import form_post_allowed
from ratings.selectors import movie_cards_annotate, rating_count
from ratings.taste import genre_stats, taste_chart_data
from recommendations.predictions import predicted_scores_annotate
from social import selectors, services
from social.letterboxd import MAX_ZIP_BYTES, letterboxd_zip_export, letterboxd_zip_import
from social.web.forms import (
    DiaryEntryForm,
    LetterboxdImportForm,
    ListEntryForm,
    MovieListForm,
    ReportForm,
)
from social.web.taste_match import taste_match

FEED_PAGE = 20
PROFILE_ROWS = 6  # recent diary entries, reviews, lists and people shown on a profile
THROTTLED = "You are doing that too often. Wait a minute and try again."


def _throttled(view: Callable) -> Callable:
    """Website writes count against the API's `social_write` rate, per user."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not form_post_allowed(request, scope="social_write"):
            return HttpResponse(THROTTLED, status=429, content_type="text/plain")
        return view(request, *args, **kwargs)

    return wrapper


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back where the form was (`next`), when that is on this site."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return redirect(target or fallback)


def _errors(request: HttpRequest, errors: dict[str, list[str]]) -> None:
    """A form's or a service's errors, as messages naming their fields."""
    for field, problems in errors.items():
        for problem in problems:
            messages.error(request, problem if field == "__all__" else f"{field}: {problem}")


def _attempt(request: HttpRequest, write: Callable[[], object], success: str) -> bool:
    """Run a service's write; a refusal becomes error messages. True when it was done."""
    try:
        write()
    except ValidationError as error:
        _errors(request, error.message_dict)
        return False
    messages.success(request, success)
    return True


# --- Profiles --------------------------------------------------------------------------


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    viewer = request.user
    person = selectors.person_visible_get(viewer=viewer, username=username)
    match = (
        taste_match(user_a=viewer, user_b=person)
        if viewer.is_authenticated and viewer.pk != person.pk
        else None
    )
    context = {
        "person": person,
        "is_me": viewer.pk == person.pk,
        "relation": selectors.person_relation(viewer=viewer, person=person),
        "counts": selectors.person_counts(viewer=viewer, person=person),
        "ratings_count": rating_count(user=person),
        "match": match,
        "diary": selectors.diary_visible(viewer=viewer, owner=person)[:PROFILE_ROWS],
        "reviews": selectors.reviews_visible(viewer=viewer)
        .filter(user=person)
        .order_by("-created_at")[:PROFILE_ROWS],
        "lists": selectors.movie_lists_of(viewer=viewer, owner=person)[:PROFILE_ROWS],
        "followers": selectors.followers_visible(viewer=viewer, person=person)[:PROFILE_ROWS],
        "following": selectors.following_visible(viewer=viewer, person=person)[:PROFILE_ROWS],
    }
    return render(request, "social/profile.html", context)


@require_GET
def public_taste(request: HttpRequest, username: str) -> HttpResponse:
    """Someone's genre chart (ratings.views.taste_profile is one's own, with the score
    histogram), when the viewer may see their profile; else a plain 404."""
    owner = selectors.person_visible_get(viewer=request.user, username=username)
    stats = genre_stats(user=owner)
    context = {"owner": owner, "genre_stats": stats, "chart_data": taste_chart_data(genres=stats)}
    return render(request, "ratings/taste_profile.html", context)


@login_required
@require_POST
@_throttled
def follow_change(request: HttpRequest, username: str) -> HttpResponse:
    person = selectors.person_visible_get(viewer=request.user, username=username)
    if request.POST.get("action") == "unfollow":
        services.unfollow(follower=request.user, followee=person)
        messages.success(request, f"You no longer follow {person.username}.")
    else:
        _attempt(
            request,
            lambda: services.follow(follower=request.user, followee=person),
            f"You follow {person.username}.",
        )
    return redirect("social:profile", person.username)


@login_required
@require_POST
@_throttled
def block_change(request: HttpRequest, username: str) -> HttpResponse:
    person = selectors.person_visible_get(viewer=request.user, username=username)
    if _attempt(
        request,
        lambda: services.block(blocker=request.user, blocked=person),
        f"You blocked {person.username}. Neither of you sees the other's activity.",
    ):
        return redirect("pages:home")
    return redirect("social:profile", person.username)


# --- Diary -----------------------------------------------------------------------------


def _month(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(f"{raw}-01") if raw else None
    except ValueError:
        return None


@require_GET
def diary(request: HttpRequest, username: str) -> HttpResponse:
    person = selectors.person_visible_get(viewer=request.user, username=username)
    months = selectors.diary_months(owner=person)
    month = _month(request.GET.get("month")) or (months[0] if months else None)
    entries = selectors.diary_month(viewer=request.user, owner=person, month=month) if month else []
    context = {
        "person": person,
        "is_me": request.user.pk == person.pk,
        "months": months,
        "month": month,
        "entries": entries,
    }
    return render(request, "social/diary.html", context)


@login_required
@require_POST
@_throttled
def diary_log(request: HttpRequest, movie_id: int) -> HttpResponse:
    movie = movie_or_404(movie_id)
    form = DiaryEntryForm(request.POST)
    if not form.is_valid():
        _errors(request, form.errors)
    else:
        _attempt(
            request,
            lambda: services.diary_entry_create(
                user=request.user, movie_id=movie.pk, **form.service_fields()
            ),
            f"Logged {movie.display_title} in your diary.",
        )
    return redirect("pages:movie-detail", movie.pk)


@login_required
@require_http_methods(["GET", "POST"])
@_throttled
def diary_entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.diary_entry_owned_get(user=request.user, entry_id=entry_id)
    review = selectors.diary_visible(viewer=request.user, owner=request.user).get(pk=entry.pk)
    review = review.shown_review
    initial = {
        "watched_on": entry.watched_on,
        "rewatch": entry.rewatch,
        "score": str(entry.score) if entry.score is not None else "",
        "review": review.text if review else "",
        "contains_spoilers": bool(review and review.contains_spoilers),
    }
    form = DiaryEntryForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid() and _attempt(
        request,
        lambda: services.diary_entry_update(entry=entry, **form.service_fields()),
        "Your diary entry was saved.",
    ):
        url = reverse("social:diary", args=[request.user.username])
        return redirect(f"{url}?month={entry.watched_on:%Y-%m}")
    return render(request, "social/diary_entry_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
@_throttled
def diary_entry_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.diary_entry_owned_get(user=request.user, entry_id=entry_id)
    services.diary_entry_delete(entry=entry)
    messages.success(request, "The diary entry was deleted.")
    return _back(request, reverse("social:diary", args=[request.user.username]))


# --- Reviews ---------------------------------------------------------------------------


@login_required
@require_POST
@_throttled
def review_like_change(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_visible_get(viewer=request.user, review_id=review_id)
    if review.liked:
        services.review_unlike(user=request.user, review=review)
    else:
        services.review_like(user=request.user, review=review)
    return _back(request, reverse("pages:movie-detail", args=[review.movie_id]))


@login_required
@require_POST
@_throttled
def review_delete(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_owned_get(user=request.user, review_id=review_id)
    services.review_delete(review=review)
    messages.success(request, "Your review was deleted.")
    return _back(request, reverse("pages:movie-detail", args=[review.movie_id]))


def _report(request: HttpRequest, *, target, what: str, **service_target) -> HttpResponse:
    form = ReportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.report_create(reporter=request.user, **service_target, **form.cleaned_data)
        messages.success(request, f"Thank you: the moderators will look at this {what}.")
        return redirect("pages:home")
    return render(request, "social/report.html", {"form": form, "target": target, "what": what})


@login_required
@require_http_methods(["GET", "POST"])
@_throttled
def review_report(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_visible_get(viewer=request.user, review_id=review_id)
    return _report(request, target=review, what="review", review=review)


# --- Lists -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_throttled
def lists(request: HttpRequest, username: str) -> HttpResponse:
    """Someone's lists; on your own, a form to make one."""
    person = selectors.person_visible_get(viewer=request.user, username=username)
    is_me = request.user.pk == person.pk
    form = MovieListForm(request.POST if request.method == "POST" and is_me else None)
    if form.is_valid():
        try:
            movie_list = services.movie_list_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("social:list", movie_list.pk)
    context = {
        "person": person,
        "is_me": is_me,
        "lists": selectors.movie_lists_of(viewer=request.user, owner=person),
        "form": form,
    }
    return render(request, "social/lists.html", context)


@require_GET
def list_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    """The entries as movie cards with the viewer's rating or predicted stars."""
    movie_list = selectors.movie_list_visible_get(viewer=request.user, list_id=list_id)
    entries = list(selectors.movie_list_entries(movie_list=movie_list))
    movies = [entry.movie for entry in entries]
    movie_cards_annotate(user=request.user, movies=movies)
    predicted_scores_annotate(user=request.user, movies=movies)
    is_owner = request.user.pk == movie_list.user_id
    context = {
        "movie_list": movie_list,
        "entries": entries,
        "is_owner": is_owner,
        "form": MovieListForm(initial=vars(movie_list)) if is_owner else None,
    }
    return render(request, "social/list_detail.html", context)


@login_required
@require_POST
@_throttled
def list_edit(request: HttpRequest, list_id: int) -> HttpResponse:
    movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
    form = MovieListForm(request.POST)
    if not form.is_valid():
        _errors(request, form.errors)
    else:
        _attempt(
            request,
            lambda: services.movie_list_update(movie_list=movie_list, **form.cleaned_data),
            "The list was saved.",
        )
    return redirect("social:list", movie_list.pk)


@login_required
@require_POST
@_throttled
def list_delete(request: HttpRequest, list_id: int) -> HttpResponse:
    movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
    services.movie_list_delete(movie_list=movie_list)
    messages.success(request, f"The list “{movie_list.name}” was deleted.")
    return redirect("social:lists", request.user.username)


@login_required
@require_POST
@_throttled
def list_add(request: HttpRequest, movie_id: int) -> HttpResponse:
    """From the film page: add the film to one of your lists."""
    movie = movie_or_404(movie_id)
    form = ListEntryForm(request.POST)
    if form.is_valid() and form.cleaned_data["movie_list"]:
        movie_list = selectors.movie_list_owned_get(
            user=request.user, list_id=form.cleaned_data["movie_list"]
        )
        _attempt(
            request,
            lambda: services.list_entry_add(
                movie_list=movie_list, movie_id=movie.pk, note=form.cleaned_data["note"]
            ),
            f"Added {movie.display_title} to “{movie_list.name}”.",
        )
    else:
        messages.error(request, "Choose one of your lists.")
    return redirect("pages:movie-detail", movie.pk)


@login_required
@require_POST
@_throttled
def list_entry_remove(request: HttpRequest, list_id: int, movie_id: int) -> HttpResponse:
    movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
    services.list_entry_remove(movie_list=movie_list, movie_id=movie_id)
    return redirect("social:list", movie_list.pk)


@login_required
@require_POST
@_throttled
def list_entry_move(request: HttpRequest, list_id: int, movie_id: int) -> HttpResponse:
    """The keyboard's (and no-script) way to reorder: one place up or down."""
    movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.list_entry_move(movie_list=movie_list, movie_id=movie_id, offset=offset)
    except ValidationError as error:
        _errors(request, error.message_dict)
    return redirect(f"{reverse('social:list', args=[movie_list.pk])}#entry-{movie_id}")


@login_required
@require_POST
@_throttled
def list_order(request: HttpRequest, list_id: int) -> JsonResponse:
    """Drag and drop's save: a JSON body {"movies": [ids in the new order]}."""
    movie_list = selectors.movie_list_owned_get(user=request.user, list_id=list_id)
    try:
        movie_ids = [int(pk) for pk in json.loads(request.body)["movies"]]
        services.list_entries_reorder(movie_list=movie_list, movie_ids=movie_ids)
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": 'Send {"movies": [film ids in order]}.'}, status=400)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"movies": movie_ids})


@login_required
@require_POST
@_throttled
def list_clone(request: HttpRequest, list_id: int) -> HttpResponse:
    source = selectors.movie_list_visible_get(viewer=request.user, list_id=list_id)
    copy = services.movie_list_clone(user=request.user, source=source)
    messages.success(request, "Copied into a private list of yours; rename or share it.")
    return redirect("social:list", copy.pk)


@login_required
@require_http_methods(["GET", "POST"])
@_throttled
def list_report(request: HttpRequest, list_id: int) -> HttpResponse:
    movie_list = selectors.movie_list_visible_get(viewer=request.user, list_id=list_id)
    return _report(request, target=movie_list, what="list", movie_list=movie_list)


# --- Feed and notifications ------------------------------------------------------------


@dataclass
class FeedPage:
    """One page of the feed (not counted: the feed is read newest first, page by page)."""

    number: int
    items: list[selectors.FeedItem]
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def feed_page(*, viewer, number: str | int | None) -> FeedPage:
    """One page of the feed with its rows; also the home page's first page."""
    number = int(number) if str(number).isdecimal() and int(number) >= 1 else 1
    keys = selectors.feed_keys(viewer=viewer, offset=(number - 1) * FEED_PAGE, limit=FEED_PAGE + 1)
    items = selectors.feed_items(viewer=viewer, keys=keys[:FEED_PAGE])
    return FeedPage(number=number, items=items, has_next=len(keys) > FEED_PAGE)


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    page = feed_page(viewer=request.user, number=request.GET.get("page"))
    return render(request, "social/feed.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """Newest first; the button marks them all read (the header counts unread ones)."""
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("social:notifications")
    page = Paginator(selectors.notifications_visible(user=request.user), FEED_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "social/notifications.html", {"page": page})


# --- Letterboxd ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@_throttled
def letterboxd(request: HttpRequest) -> HttpResponse:
    """Import Letterboxd's export zip (a report of every file and row), or download yours."""
    form = LetterboxdImportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_ZIP_BYTES:
                raise ValueError(f"The file is over {MAX_ZIP_BYTES // 1024 // 1024} MB.")
            report = letterboxd_zip_import(user=request.user, data=upload.read())
        except ValueError as exc:
            form.add_error("file", str(exc))
        else:
            return render(request, "social/letterboxd_report.html", {"report": report})
    return render(request, "social/letterboxd.html", {"form": form})


@login_required
@require_GET
def letterboxd_export(request: HttpRequest) -> HttpResponse:
    """Your own data only: there is no way to name another person."""
    response = HttpResponse(
        letterboxd_zip_export(user=request.user), content_type="application/zip"
    )
    filename = f"movierec-letterboxd-{request.user.username}-{timezone.now():%Y-%m-%d}.zip"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
