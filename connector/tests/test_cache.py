"""connector/cache.py: the default cache is the database's, and its add, incr and reads hold
when several connections (processes) use the same entries at once."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from connector.cache import DatabaseCache
from connector.models import CacheEntry
from connector.tests.processes import redis_server
from connector.tests.test_startup import PRODUCTION_ENV, manage

TABLE = "connector_cache"


def database_cache() -> DatabaseCache:
    return DatabaseCache(TABLE, {})


def expire(key: str) -> None:
    """Make the entry of ``key`` an expired one, as time passing would."""
    stored = database_cache().make_and_validate_key(key)
    CacheEntry.objects.filter(cache_key=stored).update(expires=timezone.now() - datetime.timedelta(seconds=5))


def expiry_of(key: str) -> datetime.datetime:
    return CacheEntry.objects.get(cache_key=database_cache().make_and_validate_key(key)).expires


def in_threads(count: int, work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in ``count`` threads (each with its own database connection) released at once."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_default_cache_is_the_database_cache_of_this_module():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.CACHES['default'])", env=PRODUCTION_ENV
    )

    assert result.returncode == 0, result.stderr
    assert "'BACKEND': 'connector.cache.DatabaseCache', 'LOCATION': 'connector_cache'" in result.stdout


def test_a_redis_cache_url_works_from_the_first_use(tmp_path):
    script = (
        "from django.conf import settings; from django.core.cache import cache; "
        "cache.set('answer', 41); print(settings.CACHES['default']['BACKEND'], cache.incr('answer'))"
    )
    with redis_server(tmp_path) as url:
        result = manage("shell", "--no-imports", "-c", script, env={**PRODUCTION_ENV, "CACHE_URL": url})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "42"]


@pytest.mark.django_db
def test_migrate_creates_the_cache_table():
    assert TABLE in connection.introspection.table_names()


@pytest.mark.django_db
def test_add_stores_only_when_no_live_entry_has_the_key():
    cache = database_cache()

    assert cache.add("k", "first", 60) is True
    assert cache.add("k", "second", 60) is False
    assert cache.get("k") == "first"


@pytest.mark.django_db
def test_add_takes_an_expired_entry_over():
    cache = database_cache()
    cache.add("k", "old", 60)
    expire("k")

    assert cache.add("k", "new", 60) is True
    assert cache.get("k") == "new"


@pytest.mark.django_db
def test_incr_counts_and_keeps_the_expiry():
    cache = database_cache()
    cache.add("counter", 0, 600)
    before = expiry_of("counter")

    assert cache.incr("counter") == 1
    assert cache.incr("counter", 5) == 6
    assert expiry_of("counter") == before


@pytest.mark.django_db
def test_incr_of_a_missing_or_expired_entry_is_a_value_error():
    cache = database_cache()
    cache.add("counter", 3, 60)
    expire("counter")

    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")


@pytest.mark.django_db
def test_the_clean_up_of_an_expired_entry_leaves_one_written_again_since():
    cache = database_cache()
    cache.set("pause", "old", 60)
    expire("pause")
    stored = cache.make_and_validate_key("pause")

    assert cache.get("pause") is None  # seen expired: deleted
    cache.set("pause", "new", 60)  # another process starts a new pause…
    cache._delete_expired([stored])  # …before a read that saw the old one expired deletes it

    assert cache.get("pause") == "new"


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_lose_no_count():
    cache = database_cache()
    cache.add("counter", 0, 600)

    def count_ten() -> None:
        for _ in range(10):
            database_cache().incr("counter")

    in_threads(8, count_ten)

    assert cache.get("counter") == 80


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", ["none", "expired"])
def test_exactly_one_of_concurrent_adds_wins(existing):
    cache = database_cache()
    if existing == "expired":
        cache.add("lock", "stale", 60)
        expire("lock")

    won = in_threads(8, lambda: database_cache().add("lock", threading.get_ident(), 60))

    assert won.count(True) == 1
