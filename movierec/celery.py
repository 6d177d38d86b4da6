"""The Celery application. Run workers with `celery -A movierec.celery worker`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movierec.settings")

# A worker started by hand in the checkout joins the same embedded services as manage.py.
from movierec.embedded import ensure_services  # noqa: E402

ensure_services()

app = Celery("movierec")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
