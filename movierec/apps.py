from django.apps import AppConfig

# Binds shared tasks to our Celery app in every process that uses Django; apps.py is
# imported once settings are configured, which the Celery module needs.
from movierec import celery  # noqa: F401


class MovierecConfig(AppConfig):
    name = "movierec"
    verbose_name = "movierec"
