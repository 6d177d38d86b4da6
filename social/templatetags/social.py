"""The social layer's pieces on other apps' pages, each a one-line tag in their templates:
the header's notifications link, the home page's feed, the film page's sections."""

from __future__ import annotations

from django import template

from social import selectors
from social.web.forms import DiaryEntryForm
from social.web.views import feed_page

register = template.Library()

FILM_REVIEWS = 5  # per section on the film page


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
    sections = [
        ("Popular", "popular", selectors.movie_reviews(viewer=user, movie_id=movie.pk)),
        (
            "Recent",
            "recent",
            selectors.movie_reviews(viewer=user, movie_id=movie.pk, sort="recent"),
        ),
    ]
    if user.is_authenticated:
        following = selectors.movie_reviews(viewer=user, movie_id=movie.pk, sort="following")
        sections.insert(0, ("From people you follow", "following", following))
    review_sections = [
        (heading, key, list(reviews[:FILM_REVIEWS])) for heading, key, reviews in sections
    ]
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
