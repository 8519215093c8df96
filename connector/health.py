"""Liveness and readiness facts for /healthz and /readyz.

Owns: the cheap checks an orchestrator runs every few seconds, and naming the cache in use
(rate limits, locks and pauses hold across processes only in a shared one). Must stay fast:
one round trip to the database and one to the cache, and the migration graph only until it
has been seen fully applied.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from connector.checks import check_encryption_keys_read_stored_secrets

_migrations_applied_at: float | None = None


# The cache backends, by the name /readyz gives them; "shared" ones are seen by every process.
CACHE_KINDS = {
    "connector.cache.DatabaseCache": ("database", True),
    "django.core.cache.backends.db.DatabaseCache": ("database", True),
    "django.core.cache.backends.redis.RedisCache": ("redis", True),
    "django.core.cache.backends.locmem.LocMemCache": ("local memory", False),
    "django.core.cache.backends.dummy.DummyCache": ("dummy", False),
}


@dataclass
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    cache: str = ""


def cache_kind() -> str:
    """What the default cache is: database, redis, local memory, dummy, or its backend path."""
    backend = str(settings.CACHES["default"]["BACKEND"])
    return CACHE_KINDS.get(backend, (backend, False))[0]


def _cache_error() -> str | None:
    """Why the cache cannot be used (None when a read works)."""
    try:
        cache.get("connector:readyz")
    except Exception as error:  # noqa: BLE001  (any backend's failure: Redis, the database, another)
        return type(error).__name__
    return None


def _unapplied_migrations(alias: str) -> list[str]:
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def readiness(alias: str = "default") -> Readiness:
    """Tell whether this process can serve: database reachable, migrated, secrets readable."""
    global _migrations_applied_at
    result = Readiness(ready=True)
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (DatabaseError, ImproperlyConfigured) as error:
        result.ready = False
        result.checks["database"] = "error"
        result.reason = f"database unreachable: {type(error).__name__}"
        return result
    result.checks["database"] = "ok"
    result.cache = cache_kind()
    cache_error = _cache_error()
    if cache_error is not None:
        result.ready = False
        result.checks["cache"] = "error"
        result.reason = f"cache ({result.cache}) unreachable: {cache_error}"
        return result
    result.checks["cache"] = "ok"

    cache_seconds = getattr(settings, "READINESS_CACHE_SECONDS", 30)
    fresh = _migrations_applied_at is not None and time.monotonic() - _migrations_applied_at < cache_seconds
    if not fresh:
        pending = _unapplied_migrations(alias)
        if pending:
            _migrations_applied_at = None
            result.ready = False
            result.checks["migrations"] = "pending"
            result.reason = f"{len(pending)} unapplied migration(s), first: {pending[0]}"
            return result
        if check_encryption_keys_read_stored_secrets(databases=[alias]):
            result.ready = False
            result.checks["migrations"] = "ok"
            result.checks["encryption"] = "error"
            result.reason = "FIELD_ENCRYPTION_KEYS cannot decrypt stored secrets"
            return result
        _migrations_applied_at = time.monotonic()
    result.checks["migrations"] = "ok"
    result.checks["encryption"] = "ok"
    return result


def reset_readiness_cache() -> None:
    global _migrations_applied_at
    _migrations_applied_at = None
