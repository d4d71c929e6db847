"""Django settings. Everything comes from the environment; no value is needed.

With no configuration RunStrong keeps its SQLite database, secret key and
collected static files in a data folder (``RUNSTRONG_DATA``, default
``./data``). Every variable is listed in the README's configuration section, and
a bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DATA_DIR = Path(env_str("RUNSTRONG_DATA", "data")).expanduser().resolve()
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
except OSError as error:
    raise ImproperlyConfigured(
        f"RUNSTRONG_DATA={DATA_DIR}: cannot create it ({error.strerror})"
    ) from None


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into the data folder."""
    if key := env_str("SECRET_KEY"):
        if len(key) < 50:
            raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting together must not write different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def _public_url() -> str:
    """The site's own address for links that leave it (share pages, card images)."""
    raw = env_str("RUNSTRONG_PUBLIC_URL").strip().rstrip("/")
    if raw and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", raw):
        raise ImproperlyConfigured(
            f"RUNSTRONG_PUBLIC_URL={raw!r} must be an http(s) address, e.g. https://runstrong.example"
        )
    return raw


RUNSTRONG_PUBLIC_URL = _public_url()

# Behind HTTPS in production: one switch turns on every transport protection.
SECURE_SITE = env_bool("RUNSTRONG_HTTPS", False)
SECURE_SSL_REDIRECT = SECURE_SITE
SESSION_COOKIE_SECURE = SECURE_SITE
CSRF_COOKIE_SECURE = SECURE_SITE
SECURE_HSTS_SECONDS = 31536000 if SECURE_SITE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SITE
SECURE_HSTS_PRELOAD = SECURE_SITE
# Behind a reverse proxy: trust its X-Forwarded-Proto, and take the client's
# address for rate limits from the X-Forwarded-For entry the proxy appended.
BEHIND_PROXY = env_bool("RUNSTRONG_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A failed CSRF check: the 403_csrf.html page, or the API's JSON error under /api/.
CSRF_FAILURE_VIEW = "runstrong.errors.csrf_failure"
# Django's database sessions, read with one written-out statement (see the module).
SESSION_ENGINE = "runstrong.accounts.sessions"
# No inline script or style anywhere; every asset is served from this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # The plain app config: the partials loader is set explicitly in TEMPLATES
    # below rather than patched into the settings at start-up.
    "template_partials.apps.SimpleAppConfig",
    # Background work (history imports): Django's Tasks API and its database queue, so
    # SQLite needs nothing more and PostgreSQL workers share it safely (SKIP LOCKED).
    "django_tasks",
    "django_tasks_db",
    # The public API (/api/v1/, runstrong/api.py): listed so its Swagger UI
    # page renders from the package's own template and static files, never
    # from a CDN.
    "ninja",
    "runstrong.accounts",
    "runstrong.workouts",
    "runstrong.community",
    "runstrong.runs",
    "runstrong.plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "runstrong.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "runstrong.urls"
WSGI_APPLICATION = "runstrong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # `{% partialdef %}` pieces of a page can be rendered on their own
            # (``"page.html#piece"``) for htmx swaps.
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The unread count in the navigation; lazy, one query where shown.
                "runstrong.community.context_processors.notifications",
                # Today's plan line (home) and adherence (trend); lazy, as above.
                "runstrong.plans.context_processors.plan",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = env_str("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "runstrong.sqlite3",
            "OPTIONS": {
                # WAL lets the web server read while the CLI writes; IMMEDIATE
                # takes the write lock at BEGIN so concurrent writers queue
                # instead of failing with "database is locked" mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Kept between requests, as on PostgreSQL: opening the file and
            # running the pragmas costs about 1 ms a request (bench/boards.py).
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
    engine = str(config.get("ENGINE", ""))
    if not engine.endswith(("postgresql", "sqlite3")):
        raise ImproperlyConfigured(
            f"DATABASE_URL: only postgres:// and sqlite:// are supported, not {engine}"
        )
    config["CONN_HEALTH_CHECKS"] = True
    if engine.endswith("postgresql"):
        # Django's backend, with a health check that sends no query unless the
        # server has said something since (runstrong/postgresql/base.py).
        config["ENGINE"] = "runstrong.postgresql"
    if engine.endswith("postgresql") and env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Each connection prepares a statement it has run five times, so the
        # queries every page runs (session, user, board frame) skip planning:
        # a logged-in board page 2.2 -> 1.7 ms (bench/boards.py). Django leaves
        # this off for the sake of poolers in transaction mode (PgBouncer
        # before 1.21), which is what the switch is for.
        config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    return dict(config)


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Django's own auth views (log-in, log-out, password reset) with an e-mail
# back end: a small surface we already run, no extra dependency, and nothing
# we would use from django-allauth (social log-in, e-mail confirmation flows).
AUTHENTICATION_BACKENDS = ["runstrong.accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workouts:home"
# The logged-out page removes offline copies of session pages (see its script).
LOGOUT_REDIRECT_URL = "accounts:logged_out"
# Argon2id first; the others stay so any older hash can still be checked and upgraded.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The cache lives in the database (table ``runstrong_cache``, created by the
# accounts migrations and by `runstrong setup`): rate limits must count across
# every app process, and this needs no extra service.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "runstrong_cache",
        # Past MAX_ENTRIES the cache deletes entries, live ones included, which
        # would let a flood of guesses from many addresses wipe the counts.
        "OPTIONS": {"MAX_ENTRIES": 200_000},
    }
}

# E-mail (password reset): printed to the console unless an SMTP host is set.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20  # seconds: a stuck mail server must not hold a web worker for ever
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "RunStrong <runstrong@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# The project's own assets (site.css, the live session's modules): the
# ``runstrong`` package is not an app, so the app finder would not see them.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "runstrong.storage.StaticStorage"
        )
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# A runner's whole history sent in chunks (runs.services_upload): the largest
# file, and the most one runner's uploads not yet imported may keep on disk.
RUNS_MAX_HISTORY_BYTES = env_int("RUNSTRONG_MAX_HISTORY_BYTES", 5 * 1024**3, minimum=1)
RUNS_USER_UPLOAD_BYTES = env_int("RUNSTRONG_USER_UPLOAD_BYTES", 10 * 1024**3, minimum=1)

# Requests one personal access token may make to /api/v1/ (runstrong/api.py):
# at most 100 in any 10 seconds, 600 a minute sustained — plenty for a watch
# app or a club screen, and a cap on a leaked token or a runaway script. The
# limiter keeps one cache row per request counted, and a check reads the
# window's rows: 100 of them cost about 1.5 ms, a 600-a-minute window 5 ms.
API_TOKEN_RATE_LIMIT = 100
API_TOKEN_RATE_WINDOW_SECONDS = 10

# The athlete the CLI records results for until accounts exist.
LOCAL_ATHLETE = env_str("RUNSTRONG_ATHLETE", "local")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
