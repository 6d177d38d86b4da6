"""Pytest plugin loaded with `-p tests.plugin`: starts the embedded services before Django.

It must run before pytest-django reads settings, which needs DATABASE_URL. xdist
workers inherit the exported URLs from the controller.
"""

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movierec.settings")
    from movierec.embedded import ensure_services

    ensure_services()
