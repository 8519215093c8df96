"""The database cache every process shares: the default CACHE_URL (``dbcache://connector_cache``).

Owns: Django's DatabaseCache made safe for what several processes count, lock and pause in it
(connector/limits.py). Django's own ``add`` lets two processes both take over an expired
entry, its ``incr`` reads and writes without a lock (two processes count from the same value)
and resets the entry's expiry, and its reads delete an expired entry even when another
process has just written it again. Here ``add`` takes an expired entry over with one
conditional UPDATE, ``incr`` locks the row before reading it and keeps its expiry, and reads
delete only entries that are still expired. The table is ``connector.CacheEntry``'s, created
by ``migrate``. Must not hold its transactions beyond the one statement group of a call.
"""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import IntegrityError, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.timezone import now


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache with ``add``, ``incr`` and expiry that hold across processes."""

    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self.table = table

    def _connection(self, *, write: bool) -> tuple[str, BaseDatabaseWrapper, str]:
        alias = (router.db_for_write if write else router.db_for_read)(self.cache_model_class)
        connection = connections[alias]
        return alias, connection, connection.ops.quote_name(self.table)

    def _expiry(self, timeout: float | None, connection: BaseDatabaseWrapper) -> Any:
        seconds = self.get_backend_timeout(timeout)
        if seconds is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(seconds, tz=UTC if settings.USE_TZ else None)
        return connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))

    def _encode(self, value: Any) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    @staticmethod
    def _decode(raw: Any, connection: BaseDatabaseWrapper) -> Any:
        return pickle.loads(base64.b64decode(connection.ops.process_clob(raw).encode()))  # noqa: S301

    @staticmethod
    def _now(connection: BaseDatabaseWrapper) -> Any:
        return connection.ops.adapt_datetimefield_value(now())

    def add(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        """Store ``value`` unless a live entry has ``key``; True when this call stored it."""
        key = self.make_and_validate_key(key, version=version)
        alias, connection, table = self._connection(write=True)
        expires, encoded = self._expiry(timeout, connection), self._encode(value)
        try:
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                # One statement decides who takes an expired entry over: the row lock makes a
                # second process re-read the row, which is no longer expired.
                cursor.execute(
                    f"UPDATE {table} SET value = %s, expires = %s WHERE cache_key = %s AND expires < %s",  # noqa: S608
                    [encoded, expires, key, self._now(connection)],
                )
                if cursor.rowcount != 1:
                    cursor.execute(
                        f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s)",  # noqa: S608
                        [key, encoded, expires],
                    )
        except IntegrityError:
            return False  # a live entry has the key
        return True

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        """Add ``delta`` to a live entry and return the result; ValueError when there is none.
        The entry keeps its expiry."""
        key = self.make_and_validate_key(key, version=version)
        alias, connection, table = self._connection(write=True)
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            # Lock the row first (an UPDATE that changes nothing still locks it), then read it.
            cursor.execute(
                f"UPDATE {table} SET expires = expires WHERE cache_key = %s AND expires >= %s",  # noqa: S608
                [key, self._now(connection)],
            )
            if cursor.rowcount != 1:
                raise ValueError(f"Key '{key}' not found")
            cursor.execute(f"SELECT value FROM {table} WHERE cache_key = %s", [key])  # noqa: S608
            value = self._decode(cursor.fetchone()[0], connection) + delta
            cursor.execute(f"UPDATE {table} SET value = %s WHERE cache_key = %s", [self._encode(value), key])  # noqa: S608
        return value

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        """The live entries of ``keys``; expired ones found are deleted if still expired."""
        if not keys:
            return {}
        key_map = {self.make_and_validate_key(key, version=version): key for key in keys}
        _alias, connection, table = self._connection(write=False)
        placeholders = ", ".join(["%s"] * len(key_map))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT cache_key, value, expires FROM {table} WHERE cache_key IN ({placeholders})",  # noqa: S608
                list(key_map),
            )
            rows = cursor.fetchall()
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        result: dict[Any, Any] = {}
        expired = []
        current = now()
        for key, raw, expires in rows:
            for converter in converters:
                expires = converter(expires, expression, connection)
            if expires < current:
                expired.append(key)
            else:
                result[key_map[key]] = self._decode(raw, connection)
        if expired:
            self._delete_expired(expired)
        return result

    def _delete_expired(self, keys: list[str]) -> None:
        _alias, connection, table = self._connection(write=True)
        placeholders = ", ".join(["%s"] * len(keys))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE cache_key IN ({placeholders}) AND expires < %s",  # noqa: S608
                [*keys, self._now(connection)],
            )
