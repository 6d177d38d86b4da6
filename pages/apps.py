from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Pages that combine the apps: home, the movie pages, the admin dashboard, /healthz."""

    name = "pages"
