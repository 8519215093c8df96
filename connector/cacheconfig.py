"""Turn ``CACHE_URL`` into a Django ``CACHES`` entry, and refuse a per-process cache where
limits must hold across processes.

Owns: the default (the database cache of connector/cache.py, table ``connector_cache``), the
options each backend gets, and the one-line reason production refuses a cache that each process
keeps for itself when more than one process serves. Must not open connections: it runs while
settings load.
"""

from __future__ import annotations

from typing import Any

import environ

DEFAULT_CACHE_URL = "dbcache://connector_cache"
DJANGO_DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "a local-memory cache",
    "django.core.cache.backends.dummy.DummyCache": "the dummy cache",
}
# Above this many entries every write to the database cache first drops the expired ones, then
# a third of the rest.
DATABASE_CACHE_MAX_ENTRIES = 50000
# A Redis that stops answering fails the request after this long instead of hanging it.
REDIS_TIMEOUT_SECONDS = 5


def cache_config_from_url(url: str) -> dict[str, Any]:
    """The ``CACHES["default"]`` of ``url``; an empty one is the database cache."""
    config: dict[str, Any] = environ.Env.cache_url_config(url or DEFAULT_CACHE_URL)
    options = config.get("OPTIONS", {})
    if config["BACKEND"] == DJANGO_DATABASE_CACHE:
        options = {"MAX_ENTRIES": DATABASE_CACHE_MAX_ENTRIES, **options}
        return {**config, "BACKEND": "connector.cache.DatabaseCache", "OPTIONS": options}
    if config["BACKEND"] == REDIS_CACHE:
        timeouts = {"socket_connect_timeout": REDIS_TIMEOUT_SECONDS, "socket_timeout": REDIS_TIMEOUT_SECONDS}
        return {**config, "OPTIONS": {**timeouts, **options}}
    return config


def per_process_cache_refusal(cache: dict[str, Any], *, debug: bool, web: int, tasks: str) -> str | None:
    """Why production must not start with ``cache`` (None when it may): a per-process cache
    while several gunicorn workers (``web``), or a task worker next to the web process (the
    ``database`` tasks backend), serve."""
    task_worker = tasks == "database"
    kind = PER_PROCESS_CACHES.get(str(cache.get("BACKEND")))
    if debug or kind is None or web + (1 if task_worker else 0) <= 1:
        return None
    serving = f"{web} web worker(s) (WEB_CONCURRENCY)"
    if task_worker:
        serving += " and a task worker (TASKS_BACKEND=database)"
    return (
        f"CACHE_URL is {kind}, which each process keeps for itself, but {serving} serve: rate limits, "
        "locks and Dropi pauses would not hold. Leave CACHE_URL unset (the database) or set redis://… "
        "(docs/configuration.md › Cache)."
    )
