"""The social layer's pieces on other apps' pages, each a one-line tag in their templates:
the header's notifications link, the home page's feed, the film page's sections."""

from __future__ import annotations

from django import template

from social import selectors
from social.web.forms import DiaryEntryForm
from social.web.views import feed_page

register = template.Library()

# The reviews section's sorts (social.selectors.movie_review_sections), in page order.
SECTION_HEADINGS = {"following": "From people you follow", "popular": "Popular", "recent": "Recent"}


@register.inclusion_tag("social/_header_notifications.html", takes_context=True)
def header_notifications(context) -> dict:
    user = context["request"].user
    return {
        "user": user,
        "current": context.get("current"),
        "unread": selectors.notifications_unread_count(user=user),
    }


@register.inclusion_tag("social/_home_feed.html", takes_context=True)
def home_feed(context) -> dict:
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "page": feed_page(viewer=request.user, number=1),
    }


@register.inclusion_tag("social/_film_social.html", takes_context=True)
def film_social(context, movie) -> dict:
    request = context["request"]
    user = request.user
    sections = selectors.movie_review_sections(viewer=user, movie_id=movie.pk)
    review_sections = [(heading, key, sections[key]) for key, heading in SECTION_HEADINGS.items()]
    authenticated = user.is_authenticated
    return {
        "request": request,
        "user": user,
        "movie": movie,
        "followed": selectors.followed_ratings(viewer=user, movie_id=movie.pk),
        "history": selectors.diary_for_movie(user=user, movie_id=movie.pk),
        "diary_form": DiaryEntryForm(auto_id=f"diary-%s-{movie.pk}") if authenticated else None,
        "my_lists": list(selectors.movie_lists_owned(user=user)) if authenticated else [],
        "review_sections": review_sections,
        "has_reviews": any(reviews for _, _, reviews in review_sections),
        "csrf_token": context.get("csrf_token"),
    }
