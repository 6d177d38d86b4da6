"""Settings are parsed in fresh interpreters: they are read once per process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    # The suite's own settings are tests.settings (pyproject.toml): these run production's.
    "DJANGO_SETTINGS_MODULE": "movierec.settings",
    "MOVIEREC_ENV": "production",
    "SECRET_KEY": "kq3V9-zP1rT8mW2xY7bN4cL6dF0gH5jS_aE-uI9oQ3vB8nM2kJ7h",
    "ALLOWED_HOSTS": "movies.example.com",
    "DATABASE_URL": "postgres://movierec:secret@db.example.com:5432/movierec",
    "REDIS_URL": "redis://redis.example.com:6379/0",
}


def run_django(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"MOVIEREC_ENV", "SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "movierec.settings"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_django("", env)
    assert result.returncode != 0
    assert "needs a real SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key", ["django-insecure-" + "ab1?" * 15, "short-but-random-9f8e7d", "ab" * 40]
)
def test_production_refuses_a_weak_key(key):
    result = run_django("", PRODUCTION_ENV | {"SECRET_KEY": key})
    assert result.returncode != 0
    assert "needs a real SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=os.environ | PRODUCTION_ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_never_starts_embedded_servers():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DATABASE_URL must be set when MOVIEREC_ENV=production" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("CONN_MAX_AGE", "sixty", "CONN_MAX_AGE='sixty' is not an integer"),
        ("MOVIEREC_ENV", "staging", "MOVIEREC_ENV='staging'"),
        ("DATABASE_URL", "sqlite:///movierec.db", "DATABASE_URL must be a PostgreSQL URL"),
        ("EMBEDDING_BACKEND", "gpu", "EMBEDDING_BACKEND='gpu' is not one of onnx-int8, onnx"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(name, value, message):
    result = run_django("", {name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_hashes_passwords_with_pbkdf2_first():
    result = run_django(
        "from django.contrib.auth.hashers import get_hasher; print(get_hasher().algorithm)",
        PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "pbkdf2_sha256"


def test_the_test_settings_change_only_the_password_hasher():
    import movierec.settings as production
    import tests.settings as test

    changed = {
        name
        for name, value in vars(test).items()
        if name.isupper() and value is not getattr(production, name, None)
    }
    assert changed == {"PASSWORD_HASHERS"}
    assert settings.PASSWORD_HASHERS == test.PASSWORD_HASHERS  # this run uses them


def test_development_defaults_are_debug_and_local_hosts():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)", {}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True ['127.0.0.1', 'localhost']"


@pytest.mark.parametrize(
    ("value", "options"),
    [("", [True, 5]), ("false", [None, None])],
)
def test_prepared_statements_are_on_unless_turned_off(value, options):
    env = {"DATABASE_PREPARED_STATEMENTS": value} if value else {}
    result = run_django(
        "from django.conf import settings; options = settings.DATABASES['default']['OPTIONS'];"
        "print([options.get('server_side_binding'), options.get('prepare_threshold')])",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(options)


@pytest.mark.parametrize(
    ("value", "backend"), [(" ONNX ", "onnx"), ("Torch", "torch"), ("onnx-int8", "onnx-int8")]
)
def test_the_embedding_backend_is_read_in_any_case(value, backend):
    code = "from django.conf import settings; print(settings.EMBEDDING_BACKEND)"
    result = run_django(code, {"EMBEDDING_BACKEND": value})
    assert result.stdout.split()[-1] == backend, result.stderr
