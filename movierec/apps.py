from django.apps import AppConfig


class MovierecConfig(AppConfig):
    name = "movierec"
    verbose_name = "movierec"

    def ready(self) -> None:
        # Bind shared tasks to our Celery app in every process that uses Django.
        from movierec import celery  # noqa: F401
