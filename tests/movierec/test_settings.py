"""Settings are parsed in fresh interpreters: they are read once per process."""

import json
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


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    # manage.py starts no embedded server here: production gets the URLs (nothing connects).
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = check_deploy(PRODUCTION_ENV)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "identified some issues" not in output, output
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "warning"),
    [
        ("SECURE_HSTS_SECONDS", "0", "security.W004"),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "false", "security.W005"),
        ("SECURE_SSL_REDIRECT", "false", "security.W008"),
        ("SECURE_HSTS_PRELOAD", "false", "security.W021"),
        ("DEBUG", "true", "security.W018"),
    ],
)
def test_check_deploy_flags_a_weakened_production_setting(name, value, warning):
    result = check_deploy(PRODUCTION_ENV | {name: value})
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


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
        ("LOG_FORMAT", "yaml", "LOG_FORMAT='yaml'; expected 'text' or 'json'"),
        ("METRICS_ENABLED", "sometimes", "METRICS_ENABLED='sometimes' is not a boolean"),
        ("METRICS_TOKEN", "short", "METRICS_TOKEN is too short"),
        ("WORKER_METRICS_ADDRESS", "9100", "WORKER_METRICS_ADDRESS='9100' is not HOST:PORT"),
        ("WORKER_METRICS_ADDRESS", "0.0.0.0:99999", "is not HOST:PORT"),
        ("SENTRY_TRACES_SAMPLE_RATE", "half", "SENTRY_TRACES_SAMPLE_RATE='half' is not a number"),
        ("SENTRY_TRACES_SAMPLE_RATE", "1.5", "SENTRY_TRACES_SAMPLE_RATE='1.5' is not a number"),
        ("SENTRY_DSN", "not a dsn", "Unsupported scheme"),
        ("TMDB_REQUESTS_PER_SECOND", "fast", "TMDB_REQUESTS_PER_SECOND='fast'"),
        ("TMDB_REQUESTS_PER_SECOND", "0", "expected a number above 0, at most 40"),
        ("TMDB_REQUESTS_PER_SECOND", "100", "expected a number above 0, at most 40"),
        ("TMDB_API_BASE_URL", "api.themoviedb.org", "is not an http(s) URL"),
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


def test_the_test_settings_change_only_the_password_hasher_and_the_tuning_budget():
    import movierec.settings as production
    import tests.settings as test

    changed = {
        name
        for name, value in vars(test).items()
        if name.isupper() and value is not getattr(production, name, None)
    }
    assert changed == {"PASSWORD_HASHERS", "RECOMMENDER_TUNING_SECONDS"}
    assert settings.PASSWORD_HASHERS == test.PASSWORD_HASHERS  # this run uses them


def test_development_defaults_are_no_debug_and_local_hosts():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)", {}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['127.0.0.1', 'localhost']"


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


def test_worker_metrics_address_is_parsed_into_host_and_port():
    result = run_django(
        "from django.conf import settings; print(settings.WORKER_METRICS_ADDRESS)",
        {"WORKER_METRICS_ADDRESS": "[::1]:9101"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('::1', 9101)"


def test_json_logs_carry_level_logger_message_and_extra_fields():
    result = run_django(
        "import logging; logging.getLogger('movierec.check').warning("
        "'trained %s', 'v3', extra={'job_id': 7})",
        {"LOG_FORMAT": "json"},
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    entry = next(line for line in lines if line["logger"] == "movierec.check")
    assert entry["level"] == "WARNING"
    assert entry["message"] == "trained v3"
    assert entry["job_id"] == 7
    assert entry["time"].endswith("+00:00")


def test_text_logs_stay_the_default():
    result = run_django("import logging; logging.getLogger('movierec.check').warning('hi')", {})
    assert result.returncode == 0, result.stderr
    assert "WARNING movierec.check: hi" in result.stderr


def test_no_error_reporting_without_a_dsn():
    result = run_django("import sentry_sdk; print(sentry_sdk.get_client().is_active())", {})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("value", "backend"), [(" ONNX ", "onnx"), ("Torch", "torch"), ("onnx-int8", "onnx-int8")]
)
def test_the_embedding_backend_is_read_in_any_case(value, backend):
    code = "from django.conf import settings; print(settings.EMBEDDING_BACKEND)"
    result = run_django(code, {"EMBEDDING_BACKEND": value})
    assert result.stdout.split()[-1] == backend, result.stderr
