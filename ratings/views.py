"""Pages of the signed-in user's own ratings: their ratings and watchlist, importing a
Letterboxd or IMDb export, their taste profile, and downloading their data.

Rating a film and changing its lists show predicted stars, so those forms live with the
movie page in `pages`.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.http import posted
from ratings.forms import RatingImportForm
from ratings.rating_import import ratings_import_file
from ratings.selectors import (
    RATING_SORTS,
    WATCHLIST_SORTS,
    export_csv_columns,
    export_csv_rows,
    rating_list_sorted,
    user_data_export,
    watchlist_list_sorted,
)
from ratings.taste import genre_stats, score_histogram, taste_chart_data

LIST_PAGE_SIZE = 30


# list name in the URL -> (its sorts, the user's list in one of them)
LISTS = {
    "ratings": (RATING_SORTS, rating_list_sorted),
    "watchlist": (WATCHLIST_SORTS, watchlist_list_sorted),
}


@login_required
@require_GET
def my_list(request: HttpRequest, kind: str) -> HttpResponse:
    """My ratings or my watchlist, sorted (`?sort=`, else by date) and paginated."""
    sorts, items = LISTS[kind]
    sort = request.GET.get("sort", "date")
    if sort not in sorts:
        sort = "date"
    page = Paginator(items(user=request.user, sort=sort), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "kind": kind,
        "page": page,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _) in sorts.items()],
    }
    return render(request, "ratings/my_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rating_import(request: HttpRequest) -> HttpResponse:
    form = RatingImportForm(posted(request), request.FILES or None)
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
            return render(request, "ratings/import_report.html", {"report": report})
    return render(request, "ratings/import.html", {"form": form})


@login_required
@require_GET
def taste_profile(request: HttpRequest) -> HttpResponse:
    """The user's own genre chart and score histogram (others see the genres only, on
    their public profile: social.web.views.public_taste)."""
    stats, histogram = genre_stats(user=request.user), score_histogram(user=request.user)
    context = {
        "owner": request.user,
        "genre_stats": stats,
        "histogram": histogram,
        "chart_data": taste_chart_data(genres=stats, histogram=histogram),
    }
    return render(request, "ratings/taste_profile.html", context)


@never_cache
@login_required
@require_GET
def data_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The signed-in user's own data; there is deliberately no way to name another user."""
    export = user_data_export(user=request.user)
    filename = f"movierec-{request.user.username}-{timezone.now():%Y-%m-%d}.{fmt}"
    if fmt == "json":
        response: HttpResponse = JsonResponse(export, json_dumps_params={"indent": 2})
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.DictWriter(response, fieldnames=export_csv_columns())
        writer.writeheader()
        writer.writerows(export_csv_rows(export))
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
