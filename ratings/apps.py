from django.apps import AppConfig


class RatingsConfig(AppConfig):
    """What people said about movies: ratings, the watchlist and "not interested"."""

    name = "ratings"

    def ready(self) -> None:
        # Django's documented place to connect receivers: models are loaded by now.
        from ratings import receivers  # noqa: F401
