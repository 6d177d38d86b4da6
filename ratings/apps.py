from django.apps import AppConfig


class RatingsConfig(AppConfig):
    """What people said about movies: ratings, the watchlist and "not interested"."""

    name = "ratings"
