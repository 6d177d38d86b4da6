"""What the tests of every app's HTML pages share."""

from decimal import Decimal

from django.contrib.messages import get_messages

from ratings.models import Rating

HTMX = {"HTTP_HX_REQUEST": "true"}  # the header htmx sends: the view answers with a fragment


def messages_of(response) -> list[str]:
    """The messages a response queued, a redirect's included."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def my_scores(user) -> dict[int, Decimal]:
    """The user's ratings, movie id to score."""
    return dict(Rating.objects.filter(user=user).values_list("movie_id", "score"))
