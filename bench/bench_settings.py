"""Settings for benchmark servers: the test settings plus bench-only URLs (never in production)."""

from connector.settings_test import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"handlers": [], "level": "WARNING"}}
EMBEDDED_SESSION_CACHE_SECONDS = 30
