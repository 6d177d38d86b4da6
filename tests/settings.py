"""The settings of the test suite: movierec.settings with a fast password hasher, and
training that reuses its parameters instead of searching them (the tuning tests give
themselves a budget).

pyproject.toml points pytest at this module, and pytest-django exports it as
DJANGO_SETTINGS_MODULE, so the processes the tests start (Celery workers) use it too.
The tests of the production settings run movierec.settings in fresh interpreters
(tests/movierec/test_settings.py).
"""

from movierec.settings import *  # noqa: F403

# PBKDF2 is slow on purpose; MD5 is insecure but stores and checks test passwords in
# microseconds. Every other setting but the one below is production's (test_settings.py).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A tuning search is many fits; the tests that tune ask for a budget themselves.
RECOMMENDER_TUNING_SECONDS = 0
