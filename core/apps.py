from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure every app may use; it imports none of them."""

    name = "core"
