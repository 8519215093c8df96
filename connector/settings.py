"""Settings for the Ecomdrop IA Connector, read from the environment (django-environ).

Every variable is listed in docs/configuration.md. Production (DEBUG off) refuses to start
without its secrets; development (DEBUG on) gets clearly marked dev-only defaults.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from urllib.parse import urlsplit

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from connector import wiring
from connector.cacheconfig import cache_config_from_url, per_process_cache_refusal
from connector.client_address import first_invalid_network
from connector.crypto import parse_keys
from connector.dbconfig import database_config_from_url, requires_tls

BASE_DIR = Path(__file__).resolve().parent.parent

# Generic Django classes (ModelAdmin[Model], QuerySet[Model], fields) subscriptable at run time,
# as the type annotations of django-stubs write them.
django_stubs_ext.monkeypatch()

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    # Real environment variables win over the file.
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --------------------------------------------------------------------------- core
DEBUG = env.bool("DEBUG", default=False)

# Dev-only defaults: never used when DEBUG is off (production refuses to start instead).
_DEV_DEFAULTS = {
    "SECRET_KEY": "django-insecure-dev-only-key-do-not-use-in-production",
    "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=",
    "SHOPIFY_API_KEY": "dev-api-key",
    "SHOPIFY_API_SECRET": "dev-api-secret-for-local-development-only",
    "SHOPIFY_APP_URL": "http://127.0.0.1:8000",
}
REQUIRED_IN_PRODUCTION = tuple(_DEV_DEFAULTS)


def _required(name: str) -> str:
    value: str = env.str(name, default="").strip()
    if value:
        return value
    return _DEV_DEFAULTS[name] if DEBUG else ""


_missing = [name for name in REQUIRED_IN_PRODUCTION if not _required(name)]
if _missing:
    raise ImproperlyConfigured(
        "Missing required environment variables: "
        + ", ".join(_missing)
        + ". Set them (docs/configuration.md) or set DEBUG=true for local development."
    )

SECRET_KEY = _required("SECRET_KEY")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
FIELD_ENCRYPTION_KEYS = parse_keys(_required("FIELD_ENCRYPTION_KEYS"))

SHOPIFY_APP_URL = _required("SHOPIFY_APP_URL").rstrip("/")
_app_url = urlsplit(SHOPIFY_APP_URL)
if _app_url.scheme not in ("http", "https") or not _app_url.hostname:
    raise ImproperlyConfigured("SHOPIFY_APP_URL must be an absolute URL such as https://connector.example.com")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
if _app_url.hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_app_url.hostname)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"{_app_url.scheme}://{_app_url.netloc}"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "connector",
    "webhooks",
    "django_tasks",
    "connector.apps.TasksDatabaseConfig",  # django_tasks_db under a translated name
    "shops",
    "products",
    "assistant",
    "themes",
    "ops",
]

MIDDLEWARE = [
    "connector.middleware.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "webhooks.middleware.WebhookIntakeMiddleware",  # POST /webhooks answered here: none of the rest is needed
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "connector.middleware.FrameAncestorsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "connector.urls"
WSGI_APPLICATION = "connector.wsgi.application"
ASGI_APPLICATION = "connector.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --------------------------------------------------------------------------- database
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_config_from_url(DATABASE_URL, conn_max_age=env.int("CONN_MAX_AGE", default=60))}
DATABASE_REQUIRES_TLS = requires_tls(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --------------------------------------------------------------------------- background tasks
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not '{TASKS_BACKEND}'.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
# Sync of the AI assistant profile to Ecomdrop (assistant/sync.py): attempts and back-off.
AI_PROFILE_SYNC_MAX_ATTEMPTS = env.int("AI_PROFILE_SYNC_MAX_ATTEMPTS", default=8)
AI_PROFILE_SYNC_RETRY_BASE_SECONDS = env.float("AI_PROFILE_SYNC_RETRY_BASE_SECONDS", default=30.0)
AI_PROFILE_SYNC_RETRY_MAX_SECONDS = env.float("AI_PROFILE_SYNC_RETRY_MAX_SECONDS", default=3600.0)

# --------------------------------------------------------------------------- cache
# Limits, locks and pauses live in the cache every process shares (docs/configuration.md › Cache).
# WEB_CONCURRENCY: gunicorn's workers (connector/gunicorn.conf.py sets it to the real number).
CACHES = {"default": cache_config_from_url(env.str("CACHE_URL", default=""))}
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=2)
if _refusal := per_process_cache_refusal(CACHES["default"], debug=DEBUG, web=WEB_CONCURRENCY, tasks=TASKS_BACKEND):
    raise ImproperlyConfigured(_refusal)

# --------------------------------------------------------------------------- webhooks (docs/features.md › Webhooks)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
WEBHOOK_PROCESSING_LEASE_SECONDS = env.float("WEBHOOK_PROCESSING_LEASE_SECONDS", default=120.0)
WEBHOOK_RECOVERY_INTERVAL_SECONDS = env.float("WEBHOOK_RECOVERY_INTERVAL_SECONDS", default=30.0)
_WEBHOOK_TIMES = (WEBHOOK_RETRY_BASE_SECONDS, WEBHOOK_PROCESSING_LEASE_SECONDS, WEBHOOK_RECOVERY_INTERVAL_SECONDS)
if WEBHOOK_MAX_ATTEMPTS < 1 or min(_WEBHOOK_TIMES) <= 0 or WEBHOOK_RETRY_MAX_SECONDS < WEBHOOK_RETRY_BASE_SECONDS:
    raise ImproperlyConfigured("WEBHOOK_MAX_ATTEMPTS ≥ 1, WEBHOOK_*_SECONDS > 0, RETRY_MAX ≥ RETRY_BASE.")
# The maps of topics, privacy duties and worker recoveries to app functions: connector/wiring.py.
WEBHOOK_HANDLERS = wiring.WEBHOOK_HANDLERS
WEBHOOK_CONFIRMATIONS = wiring.WEBHOOK_CONFIRMATIONS
WEBHOOK_PAYLOAD_REDUCERS = wiring.WEBHOOK_PAYLOAD_REDUCERS
PERSONAL_DATA = wiring.PERSONAL_DATA
WORKER_MAINTENANCE = wiring.WORKER_MAINTENANCE
WORKER_POLLED_JOBS = wiring.WORKER_POLLED_JOBS
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")  # /metrics answers only with it (a secret); empty: 404

# --------------------------------------------------------------------------- auth
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin log-in: django-axes locks an address out, counting in the database (docs/operations.md).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("ADMIN_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]  # whatever the username; the address every limit uses
AXES_CLIENT_IP_CALLABLE = "connector.client_address.axes_client_address"
AXES_LOCKOUT_CALLABLE = "connector.lockout.admin_lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner in the log of every process at start
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() <= 0:
    raise ImproperlyConfigured("ADMIN_LOGIN_FAILURE_LIMIT and ADMIN_LOGIN_LOCKOUT_MINUTES must be at least 1.")

# --------------------------------------------------------------------------- i18n
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------- static and media files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

_default_storage: dict[str, object] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --------------------------------------------------------------------------- security
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # embedded pages opt out and send a per-shop frame-ancestors CSP instead
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# HSTS preload is a promise to browser vendors that only the operator can make.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Log-ins outside Shopify per client address and minute; pending OAuth states kept per shop/address.
AUTH_LOGIN_RATE_PER_MINUTE = env.int("AUTH_LOGIN_RATE_PER_MINUTE", default=10)
OAUTH_STATES_PER_SHOP = env.int("OAUTH_STATES_PER_SHOP", default=5)
OAUTH_STATES_PER_ADDRESS = env.int("OAUTH_STATES_PER_ADDRESS", default=10)
# The reverse proxies whose X-Forwarded-For names the client (connector/client_address.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
if (_invalid := first_invalid_network(TRUSTED_PROXIES)) is not None:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: '{_invalid}' is not an IP address or network.")

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024 + 512 * 1024

# --------------------------------------------------------------------------- vendors
SHOPIFY_API_KEY = _required("SHOPIFY_API_KEY")
SHOPIFY_API_SECRET = _required("SHOPIFY_API_SECRET")
SHOPIFY_API_VERSION = env.str("SHOPIFY_API_VERSION", default="2026-10")
SHOPIFY_ADMIN_ORIGIN: str = env.str("SHOPIFY_ADMIN_ORIGIN", default="https://{shop}")
# Keep in step with shopify.app.toml ([access_scopes]); used by the OAuth fallback.
SHOPIFY_SCOPES = env.str(
    "SHOPIFY_SCOPES",
    default=(
        "read_draft_orders,read_locations,read_merchant_managed_fulfillment_orders,read_orders,read_products,"
        "read_themes,write_inventory,write_merchant_managed_fulfillment_orders,write_orders,write_products,"
        "write_publications,write_themes"
    ),
)
# The Online Store publication's title (imports publish there; unverified: docs/configuration.md).
SHOPIFY_ONLINE_STORE_PUBLICATION = env.str("SHOPIFY_ONLINE_STORE_PUBLICATION", default="Online Store")
ECOMDROP_API_URL = env.str("ECOMDROP_API_URL", default="https://panel.ecomdrop.app/api").rstrip("/")
DROPI_API_URLS = {
    "CO": "https://api.dropi.co",
    "EC": "https://api.dropi.ec",
    "CL": "https://api.dropi.cl",
    "GT": "https://api.dropi.co",  # not listed by Dropi's plugin; CO host is the documented guess
    "MX": "https://api.dropi.mx",
    "PA": "https://api.dropi.pa",
    "PE": "https://api.dropi.pe",
    "PY": "https://api.dropi.com.py",
} | env.dict("DROPI_API_URLS", default={})
# Relative gallery paths of Dropi products are served from this CDN.
DROPI_IMAGE_BASE_URL = env.str("DROPI_IMAGE_BASE_URL", default="https://d39ru7awumhhs2.cloudfront.net/")
# Origin/Referer sent to Dropi; empty sends none (why: docs/operations.md › Dropi Origin header). "{shop}" is replaced.
DROPI_ORIGIN = env.str("DROPI_ORIGIN", default="")
# How long a catalogue page answered by Dropi is reused for the same shop and query.
DROPI_CACHE_SECONDS = env.int("DROPI_CACHE_SECONDS", default=120)
# After "Too Many Attempts" no call goes to Dropi for the shop during this time (Dropi blocks for hours).
DROPI_RATE_LIMIT_BACKOFF_SECONDS = env.int("DROPI_RATE_LIMIT_BACKOFF_SECONDS", default=3600)
# Dropi's department and city lists (unverified calls): off, the department table alone names
# places; on, Dropi's spelling wins where its lists have the place (cached per country).
DROPI_LOCATIONS_ENABLED = env.bool("DROPI_LOCATIONS_ENABLED", default=False)
DROPI_LOCATIONS_CACHE_SECONDS = env.int("DROPI_LOCATIONS_CACHE_SECONDS", default=86400)
# Outbound HTTP (connector/http.py): connect and read timeout of every call; idle keep-alive
# connections kept per vendor host for the whole process (at least the threads calling one host
# at once); the longest wait a vendor's Retry-After may impose (longer asks are cut to it).
HTTP_TIMEOUT_SECONDS = env.float("HTTP_TIMEOUT_SECONDS", default=10.0)
HTTP_POOL_MAXSIZE = env.int("HTTP_POOL_MAXSIZE", default=10)
HTTP_MAX_RETRY_AFTER_SECONDS = env.float("HTTP_MAX_RETRY_AFTER_SECONDS", default=300.0)
if not all(math.isfinite(value) and value > 0 for value in (HTTP_TIMEOUT_SECONDS, HTTP_MAX_RETRY_AFTER_SECONDS)):
    raise ImproperlyConfigured("HTTP_TIMEOUT_SECONDS and HTTP_MAX_RETRY_AFTER_SECONDS must be positive.")
if HTTP_POOL_MAXSIZE < 1:
    raise ImproperlyConfigured("HTTP_POOL_MAXSIZE must be at least 1.")
ECOMDROP_CONTACT_MEMORY_SECONDS = max(0, env.int("ECOMDROP_CONTACT_MEMORY_SECONDS", default=7 * 24 * 3600))
ECOMDROP_ACCOUNT_CONCURRENCY = max(1, env.int("ECOMDROP_ACCOUNT_CONCURRENCY", default=48))
ECOMDROP_CALLBACK_RATE_PER_MINUTE = env.int("ECOMDROP_CALLBACK_RATE_PER_MINUTE", default=120)
# Wrong callback secrets per client address and minute; above it, 429 without a look-up.
ECOMDROP_CALLBACK_BAD_TOKENS_PER_MINUTE = env.int("ECOMDROP_CALLBACK_BAD_TOKENS_PER_MINUTE", default=30)
# How long a process trusts that a shop's offline token is usable without reading it again.
READINESS_CACHE_SECONDS = env.int("READINESS_CACHE_SECONDS", default=30)
EMBEDDED_SESSION_CACHE_SECONDS = env.int("EMBEDDED_SESSION_CACHE_SECONDS", default=30)

# Background jobs' attempts, back-off and leases, and the delivery rules' defaults.
from connector.settings_work import *  # noqa: E402, F403

# --------------------------------------------------------------------------- storefront theme
# Where the Ecomdrop theme comes from: a zip URL or a Git repository, decided here and never by
# the browser (docs/operations.md › Storefront theme source). THEME_GIT_TOKEN is a secret: never logged or shown.
THEME_ARCHIVE_URL = env.str("THEME_ARCHIVE_URL", default="").strip()
THEME_GIT_PROVIDER = env.str("THEME_GIT_PROVIDER", default="github").strip().lower()
THEME_GIT_REPO = env.str("THEME_GIT_REPO", default="").strip().strip("/")
THEME_GIT_REF = env.str("THEME_GIT_REF", default="").strip() or "main"
THEME_GIT_TOKEN = env.str("THEME_GIT_TOKEN", default="").strip()
THEME_GIT_API_URL = env.str("THEME_GIT_API_URL", default="").strip().rstrip("/")  # empty: the provider's public API
if THEME_GIT_PROVIDER not in ("github", "gitlab"):
    raise ImproperlyConfigured(f"THEME_GIT_PROVIDER must be github or gitlab, not '{THEME_GIT_PROVIDER}'.")
if THEME_ARCHIVE_URL and THEME_GIT_REPO:
    raise ImproperlyConfigured("Set THEME_ARCHIVE_URL or THEME_GIT_REPO, not both: the theme has one source.")
THEME_NAME = env.str("THEME_NAME", default="Ecomdrop Theme 2.5")
# Shopify's themeCreate refuses archives over 50 MB (ThemeCreateUserErrorCode.ZIP_TOO_LARGE).
THEME_MAX_ARCHIVE_BYTES = env.int("THEME_MAX_ARCHIVE_BYTES", default=50 * 1024 * 1024)
THEME_DOWNLOAD_TIMEOUT_SECONDS = env.float("THEME_DOWNLOAD_TIMEOUT_SECONDS", default=120.0)
THEME_DOWNLOAD_URL_LIFETIME_SECONDS = env.int("THEME_DOWNLOAD_URL_LIFETIME_SECONDS", default=600)
THEME_POLL_INTERVAL_SECONDS = env.float("THEME_POLL_INTERVAL_SECONDS", default=3.0)
THEME_POLL_TIMEOUT_SECONDS = env.int("THEME_POLL_TIMEOUT_SECONDS", default=900)
THEME_RETRY_DELAY_SECONDS = env.float("THEME_RETRY_DELAY_SECONDS", default=30.0)

# --------------------------------------------------------------------------- logging
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_line_without_query": {"()": "connector.request_log.RequestLineWithoutQuery"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # urllib3 logs each request line, query string included (phones, pre-signed URLs), at DEBUG.
        "urllib3": {"level": "INFO"},
        # runserver's request log, as Django configures it, without query strings (session tokens).
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["request_line_without_query"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
