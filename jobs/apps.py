from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs (imports, embedding, training): their rows, progress and admin."""

    name = "jobs"
