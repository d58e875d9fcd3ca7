"""socialnet settings: one module, every value from the environment (see .env.example).

No DATABASE_URL -> a SQLite file beside manage.py; no REDIS_URL -> local-memory cache and
Celery tasks run in-process (eager), so a fresh machine runs the whole product.
"""

import os
from pathlib import Path

import environ

# LightGBM's OpenMP threads busy-wait by default; on a shared 2-core host that made one fit 30x slower.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-change-me" if DEBUG else None)
if not SECRET_KEY:
    # Production must never fall back to a key that is in the repository.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "socialnet.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "socialnet",
    "accounts",
    "posts",
    "communities",
    "messaging",
    "comments",
    "notifications",
    "moderation",
    "search",
    "analytics",
    "recommender",
    "feed",
]

MIDDLEWARE = [
    "socialnet.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "socialnet.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LandingSourceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "socialnet.middleware.IdempotencyKeyMiddleware",
]

ROOT_URLCONF = "socialnet.urls"
WSGI_APPLICATION = "socialnet.wsgi.application"

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
                "socialnet.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if env("DATABASE_REPLICA_URL", default=""):
    # Analytics and training scans read here (socialnet.db.bulk_read_alias); tests use the primary.
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL") | {"TEST": {"MIRROR": "default"}}
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "feed:home"
LOGOUT_REDIRECT_URL = "feed:home"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "socialnet.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="socialnet"),
            # A down Redis must degrade to cache misses, not to 500s (socialnet.cache).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a Redis broker when configured, otherwise tasks run in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 1}
# A request that schedules a task must not hang on a dead broker (socialnet.tasks.enqueue logs and moves on).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Files through Django's storage API: model artifacts (models/, private) and profile pictures (avatars/, public).
# Only avatars/ is ever served: by Django with DEBUG on (socialnet/urls.py), else by the media service of
# docker-compose.yml (deploy/nginx-media.conf) or whatever MEDIA_URL points at (a CDN, a bucket's address).
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = env("MEDIA_URL", default="/media/")
AVATAR_MAX_UPLOAD_MB = env.int("AVATAR_MAX_UPLOAD_MB", default=5)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The folder of django.core.mail.backends.filebased.EmailBackend (one file per e-mail), if that backend is chosen.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=None)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="socialnet <noreply@localhost>")

# Requests: bodies above this are refused with 400; uploaded files (profile pictures) do not count, they have their
# own limit (AVATAR_MAX_UPLOAD_MB) and stream to a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

# Write limits (socialnet/ratelimit.py); the load benchmark turns them off.
RATE_LIMIT_ENABLED = env.bool("RATE_LIMIT_ENABLED", default=True)
RATE_LIMIT_POSTS_PER_MINUTE = env.int("RATE_LIMIT_POSTS_PER_MINUTE", default=10)
RATE_LIMIT_COMMENTS_PER_MINUTE = env.int("RATE_LIMIT_COMMENTS_PER_MINUTE", default=20)
RATE_LIMIT_MESSAGES_PER_MINUTE = env.int("RATE_LIMIT_MESSAGES_PER_MINUTE", default=30)
# Password-reset e-mails asked for, per e-mail address and per client IP address (page and API alike).
RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE = env.int("RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE", default=3)
RATE_LIMIT_REPORTS_PER_MINUTE = env.int("RATE_LIMIT_REPORTS_PER_MINUTE", default=5)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "socialnet.api.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "socialnet.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="60/min"),
        "user": env("THROTTLE_USER", default="600/min"),
    },
    "EXCEPTION_HANDLER": "socialnet.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The two answer bodies of socialnet.api.exception_handler, which socialnet.api.ApiAutoSchema refers to.
API_ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "description": "Every error but bad input (401, 403, 404, 409, 413, 429): one message.",
    },
    "ValidationError": {
        "type": "object",
        "additionalProperties": {
            "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}, {"type": "string"}],
        },
        "description": "Bad input (400): the messages of each field by its name (an object for a nested field), "
        "those of no one field under `non_field_errors`; a body or address that cannot be read at all (malformed "
        "JSON, a NUL character) is `{\"detail\": \"message\"}`.",
        "example": {"text": ["This field may not be blank."]},
    },
}
API_DESCRIPTION = """REST API of socialnet for mobile clients.

**Authentication.** Send `Authorization: Token <key>`: `POST /api/v1/auth/token/` (username and password) or
`POST /api/v1/auth/register/` gives the key, `DELETE /api/v1/auth/token/` revokes it (log out). A new password
revokes it on every device: `POST /api/v1/me/password/` answers the changing client its new key, and after
`POST /api/v1/auth/password-reset/confirm/` the app logs in again. The browser's
session cookie works too (unsafe methods then need the `X-CSRFToken` header). Without credentials, public
endpoints read as a visitor; an invalid token is 401 everywhere.

**Errors.** Bad input is 400 with the messages of each field under its name (`non_field_errors` for the rest;
`detail` when the body or address cannot be read at all);
every other error is `{"detail": "message"}`: 401 not signed in, 403 not allowed, 404 no such object (or one hidden
from you: blocks answer as if it did not exist), 409 the action contradicts the state (joining twice), 413 body too
large, 429 too many requests (see `Retry-After`).

**Lists.** Cursor pages `{next, previous, results}` (follow `next`; `page_size` up to 100), newest first unless
the endpoint says otherwise; lists of people too (most recent follow, like or block first; everyone by username).
Search alone answers numbered pages `{count, next, previous, results}` (`page`, `page_size`): its results are in
order of relevance, which has no stable position for a cursor to continue from.

**Values.** Timestamps are ISO 8601 in UTC (`2026-01-31T12:00:00.123456Z`), ids are integers. A person is
`{id, username, display_name, avatar_url}` wherever an answer names one (authors, senders, actors, participants,
members, lists of people); paths name people by `username`. `avatar_url` is the absolute address of their profile
picture (256×256 WebP; set with `PUT /api/v1/me/avatar/`), or null: show their initials instead.
"""
SPECTACULAR_SETTINGS = {
    "TITLE": "socialnet API",
    "DESCRIPTION": API_DESCRIPTION,
    "APPEND_COMPONENTS": {"schemas": API_ERROR_SCHEMAS},
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operations are grouped by resource (posts, communities, ...), not all under "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # One name per set of choices: community roles wherever they appear (my_role in lists, memberships); two sets
    # are named "status": model versions' keeps the name it had, reports' gets its own.
    "ENUM_NAME_OVERRIDES": {
        "CommunityRoleEnum": "communities.models.Membership.Role",
        "StatusEnum": "recommender.models.ModelVersion.Status",
        "ReportStatusEnum": "moderation.models.Report.Status",
    },
}

# Login brute-force protection.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Recommender.
RECOMMENDER_TIME_BUDGET_MS = env.int("RECOMMENDER_TIME_BUDGET_MS", default=150)
RECOMMENDER_PAGE_SIZE = env.int("RECOMMENDER_PAGE_SIZE", default=5)
# How often each web process adds posts written since training to its loaded model.
RECOMMENDER_FRESH_POSTS_SECONDS = env.int("RECOMMENDER_FRESH_POSTS_SECONDS", default=60)
RECOMMENDER_RETRAIN_CRON = env("RECOMMENDER_RETRAIN_CRON", default="0 3 * * *")
RECOMMENDER_PROMOTION_TOLERANCE = env.float("RECOMMENDER_PROMOTION_TOLERANCE", default=0.02)
RECOMMENDER_TRAINING_LOCK_SECONDS = env.int("RECOMMENDER_TRAINING_LOCK_SECONDS", default=3600)

# Production hardening (python manage.py check --deploy is clean with DEBUG=0).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
