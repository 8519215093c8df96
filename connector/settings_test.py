"""Settings for the test suite: production settings with test credentials.

DEBUG stays off so tests exercise production behaviour. DATABASE_URL comes from the
environment (CI points it at MariaDB); without it the embedded SQLite default is used.
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=")
os.environ.setdefault("SHOPIFY_API_KEY", "test-api-key")
os.environ.setdefault("SHOPIFY_API_SECRET", "test-api-secret-0123456789abcdefghijklmnopqrstuv")
os.environ.setdefault("SHOPIFY_APP_URL", "https://connector.test")
os.environ.setdefault("TASKS_BACKEND", "immediate")
# Guardrails that depend on the clock or on earlier tests' orders are off unless a test sets them.
os.environ.setdefault("DELIVERY_QUIET_HOURS_BY_DEFAULT", "false")
os.environ.setdefault("DELIVERY_DUPLICATE_WINDOW_MINUTES", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("CACHE_URL", "locmemcache://tests")
# The test run is one process with a local-memory cache; the tests that start more processes
# give them a shared cache (connector/tests/processes.py).
os.environ.setdefault("WEB_CONCURRENCY", "1")
# Vendors are unreachable unless a test starts a simulator: nothing ever leaves the machine.
os.environ.setdefault("SHOPIFY_ADMIN_ORIGIN", "http://127.0.0.1:9/shopify/{shop}")
os.environ.setdefault("ECOMDROP_API_URL", "http://127.0.0.1:9/ecomdrop")
os.environ.setdefault(
    "DROPI_API_URLS",
    ",".join(f"{code}=http://127.0.0.1:9/dropi" for code in ("CO", "EC", "CL", "GT", "MX", "PA", "PE", "PY")),
)

from connector.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
READINESS_CACHE_SECONDS = 0
EMBEDDED_SESSION_CACHE_SECONDS = 0
# Serve static files from the apps' folders (no collectstatic step before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
