"""Pytest plugin loaded with `-p tests.plugin`: starts the embedded services before Django.

It must run before pytest-django reads settings, which needs DATABASE_URL. xdist
workers inherit the exported URLs from the controller. It leaves DJANGO_SETTINGS_MODULE
alone: pytest-django takes it from pyproject.toml (tests.settings) unless the environment
sets it, and a value exported here would win over pyproject.toml.
"""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    from movierec.embedded import ensure_services

    # A Redis of the suite's own, never the one `make run` uses in the same checkout.
    ensure_services(redis_name="redis-tests")
