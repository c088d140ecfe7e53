"""Django settings, read from environment variables (documented in README.md)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from leadbridge.ops.storage_url import media_storage

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DATA_DIR = Path(env("LEADBRIDGE_DATA_DIR", str(Path.cwd() / "leadbridge-data")))
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or env_bool("LEADBRIDGE_INSECURE_DEV_KEY", False):
        # Only for development and tests; `leadbridge demo` generates a key in the data dir.
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set (see README: Configuration).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from local static files, no CDN
    "leadbridge.core",
    "leadbridge.people",
    "leadbridge.customfields",
    "leadbridge.history",
    "leadbridge.leads",
    "leadbridge.clients",
    "leadbridge.deals",
    "leadbridge.activities",
    "leadbridge.documents",
    "leadbridge.duplicates",
    "leadbridge.imports",
    "leadbridge.automation",
    "leadbridge.mail",
    "leadbridge.webforms",
    "leadbridge.registry",
    "leadbridge.api",
    "leadbridge.ops",
    "leadbridge.security",
    "leadbridge.privacy",
]

MIDDLEWARE = [
    "leadbridge.ops.middleware.RequestIdAndMetrics",
    "django.middleware.security.SecurityMiddleware",
    "leadbridge.ops.middleware.ContentSecurityPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "leadbridge.core.middleware.UserLocale",  # the profile's language and time zone
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "leadbridge.core.middleware.LoginRequired",
    "leadbridge.api.middleware.ApiErrorContract",  # 405 and 413 in the API's JSON body
    "leadbridge.core.middleware.DomainErrorPages",  # NotFound/Forbidden of a page: 404/403
]

ROOT_URLCONF = "leadbridge.urls"
WSGI_APPLICATION = "leadbridge.wsgi.application"

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
                "django.template.context_processors.i18n",
                "leadbridge.core.context_processors.leadbridge",
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'leadbridge.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    _sqlite_name = str(DATABASES["default"]["NAME"])
    if _sqlite_name and _sqlite_name != ":memory:":
        Path(_sqlite_name).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids
        # "database is locked" upgrades inside write transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": env("LEADBRIDGE_TEST_SQLITE", "")} if env("LEADBRIDGE_TEST_SQLITE") else {}
    )

AUTH_USER_MODEL = "people.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
# The home page: the leads, or the deals while "Use leads" is off (urls.home).
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = env("LANGUAGE_CODE", "en")
LANGUAGES = [
    ("en", "English"),
    ("cs", "Čeština"),
    ("sk", "Slovenčina"),
    ("pl", "Polski"),
    ("lt", "Lietuvių"),
    ("vi", "Tiếng Việt"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Europe/Prague")
USE_I18N = True
# Our corrections of Django's date formats (Czech and Slovak write "6. 12. 2026").
FORMAT_MODULE_PATH = ["leadbridge.formats"]
# The language the lists of a new install (statuses, sources, pipeline) are created in.
LEADBRIDGE_SEED_LANGUAGE = env("LEADBRIDGE_SEED_LANGUAGE", LANGUAGE_CODE) or "en"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
# Uploaded files and import files: the local folder, or an S3-compatible object store that
# every node sees (MEDIA_STORAGE_URL=s3://bucket?endpoint_url=…; ops/storage_url.py).
MEDIA_STORAGE_URL = env("MEDIA_STORAGE_URL")
STORAGES = {
    "default": media_storage(MEDIA_STORAGE_URL),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: the database queue by default, so a task enqueued inside a transaction
# commits or rolls back with it. TASKS_URL=redis://host:6379/N moves it to RQ (several worker
# nodes, docs/deploy.md "Scaling out"): a task is pushed when its transaction commits, and the
# outbound sweep re-enqueues what a crash between the commit and the push lost.
TASKS_URL = env("TASKS_URL")
if TASKS_URL:
    INSTALLED_APPS.append("django_rq")
    TASKS = {
        "default": {
            "BACKEND": env("TASKS_BACKEND", "leadbridge.ops.rq.RQBackend"),
            "QUEUES": ["default"],
        }
    }
    RQ_QUEUES = {
        # An import of a million rows runs for a long time: RQ's default of 180 s would kill it.
        "default": {"URL": TASKS_URL, "DEFAULT_TIMEOUT": int(env("TASKS_TIMEOUT", "21600") or 0)}
    }
else:
    TASKS = {
        "default": {
            # The database queue, carrying the request id into the worker's logs.
            "BACKEND": env("TASKS_BACKEND", "leadbridge.ops.tasks.DatabaseBackend"),
            "ENQUEUE_ON_COMMIT": False,
        }
    }
# A job whose worker died is retried this many times (RQ's abandoned-job handling); a live
# worker looks for abandoned jobs every TASKS_MAINTENANCE_SECONDS.
TASKS_RETRIES = int(env("TASKS_RETRIES", "3") or 3)
TASKS_MAINTENANCE_SECONDS = int(env("TASKS_MAINTENANCE_SECONDS", "60") or 60)

# E-mail goes through a real SMTP connection.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "leadbridge@localhost")

# Security by default; relax only by setting the environment.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Leadbridge's own settings.
DEFAULT_PHONE_REGION = (env("DEFAULT_PHONE_REGION", "CZ") or "CZ").upper()
IDEMPOTENCY_TTL_HOURS = int(env("IDEMPOTENCY_TTL_HOURS", "24") or 24)
API_PAGE_MAX = 500
# Capture and automation (docs/automation.md).
WEBFORM_RATE_PER_IP = int(env("WEBFORM_RATE_PER_IP", "10") or 10)  # per minute
WEBFORM_RATE_PER_FORM = int(env("WEBFORM_RATE_PER_FORM", "120") or 120)  # per minute
WEBFORM_MAX_BYTES = int(env("WEBFORM_MAX_BYTES", "16384") or 16384)
WEBFORM_TRUST_X_FORWARDED_FOR = env_bool("WEBFORM_TRUST_X_FORWARDED_FOR", False)
# Imports (docs/imports.md, docs/security.md "Limits"): what an XLSX may unpack to, in total
# and per member as a ratio to its compressed size, and the longest cell any reader passes on.
IMPORT_MAX_UNCOMPRESSED_BYTES = int(env("IMPORT_MAX_UNCOMPRESSED_BYTES", str(1024**3)) or 1024**3)
IMPORT_MAX_COMPRESSION_RATIO = float(env("IMPORT_MAX_COMPRESSION_RATIO", "100") or 100)
IMPORT_MAX_CELL_CHARS = int(env("IMPORT_MAX_CELL_CHARS", "32767") or 32767)

# How many proxies append to X-Forwarded-For in front of the app (nginx alone: 1); the
# client's address is the hop the outermost one added (web form and login rate limits).
WEBFORM_TRUSTED_PROXY_COUNT = int(env("WEBFORM_TRUSTED_PROXY_COUNT", "1") or 1)
OUTBOUND_MAX_ATTEMPTS = int(env("OUTBOUND_MAX_ATTEMPTS", "6") or 6)
OUTBOUND_RETRY_BASE_SECONDS = float(env("OUTBOUND_RETRY_BASE_SECONDS", "30") or 30)
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10") or 10)
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
# Public company registries (registry/providers.py); the real services by default.
REGISTRY_ARES_URL = env("REGISTRY_ARES_URL", "https://ares.gov.cz/ekonomicke-subjekty-v-be/rest")
REGISTRY_VIES_URL = env("REGISTRY_VIES_URL", "https://ec.europa.eu/taxation_customs/vies/rest-api")
REGISTRY_RPO_URL = env("REGISTRY_RPO_URL", "https://api.statistics.sk/rpo/v1")
REGISTRY_PL_WL_URL = env("REGISTRY_PL_WL_URL", "https://wl-api.mf.gov.pl")
REGISTRY_TIMEOUT_SECONDS = float(env("REGISTRY_TIMEOUT_SECONDS", "5") or 5)
REGISTRY_CACHE_SECONDS = int(env("REGISTRY_CACHE_SECONDS", "86400") or 86400)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "leadbridge.ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "leadbridge.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if env("LOG_FORMAT", "text") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# Operations and hardening (docs/deploy.md, docs/security.md).
# Throttles and rate limits count in a cache every server process shares: the database cache
# by default (its table made by a migration, webforms 0002), Redis with CACHE_URL. Counters
# are atomic in Redis (core/counters.py), so a limit holds across the whole cluster.
CACHE_URL = env("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "leadbridge") or "",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": env("CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"),
            "LOCATION": env("CACHE_LOCATION", "leadbridge_cache"),
            "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 4},
        }
    }
# Web form rate limits: one upsert in the database, or the cache when it is Redis.
WEBFORM_RATE_STORE = env("WEBFORM_RATE_STORE", "cache" if CACHE_URL else "database")
SECURE_HSTS_SECONDS = int(
    env("HSTS_SECONDS", "31536000" if env_bool("BEHIND_TLS_PROXY", False) else "0") or 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_AGE = int(float(env("SESSION_HOURS", "12") or 12) * 3600)
AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"] = {"min_length": int(env("PASSWORD_MIN_LENGTH", "10") or 10)}
LOGIN_FAILURES_PER_ACCOUNT = int(env("LOGIN_FAILURES_PER_ACCOUNT", "5") or 5)
LOGIN_FAILURES_PER_IP = int(env("LOGIN_FAILURES_PER_IP", "20") or 20)
LOGIN_LOCKOUT_MINUTES = int(env("LOGIN_LOCKOUT_MINUTES", "15") or 15)
API_RATE_LIMIT = env("API_RATE_LIMIT", "600/m") or "600/m"
METRICS_TOKEN = env("METRICS_TOKEN", "")
RETENTION_MONTHS = int(env("RETENTION_MONTHS", "0") or 0)
