"""A database connection used a moment ago is not pinged again before the next unit of work.

Owns: when this thread's connection last finished a unit of work (a request of the webhook
intake, a worker's row or claim), and skipping Django's health-check ping (``CONN_HEALTH_CHECKS``)
at the next unit's first query when that was less than ``FRESH_CONNECTION_SECONDS`` ago.
Django pings once per unit of work (``close_old_connections`` re-arms it); in a burst the
units follow each other within milliseconds, and a connection that has just worked is not a
stale one — the ping was about three of an order's 19 round trips. An idle connection is
pinged as before; one that met an error is checked by ``close_old_connections`` itself.

Also: a thread whose transactions begin with ``START TRANSACTION`` (``transactions_begin_explicitly``,
the worker's runner threads on MySQL/MariaDB). Django begins a transaction there by turning
autocommit off (``SET autocommit=0``) and ends it with ``COMMIT`` and ``SET autocommit=1``:
three round trips; an explicit ``START TRANSACTION`` leaves the session in autocommit mode, so
``COMMIT`` (or ``ROLLBACK``) is the end of it and the second ``SET`` is not sent (mysqlclient
sends it only when the server's mode differs) — two round trips, one fewer per transaction, on
the hot path of every order (12.5 instead of 13.6 per order in ``bench/order_flow.py``). Django
uses the same hook (``_start_transaction_under_autocommit``) to begin SQLite's transactions.
The one difference from ``SET autocommit=0``: after a statement that commits implicitly (DDL,
``LOCK TABLES``) the rest of the block would run in autocommit mode; no job does either.
Must not open or close connections.
"""

from __future__ import annotations

import threading
import time
from functools import partial

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

FRESH_CONNECTION_SECONDS = 1.0
_used = threading.local()


def connection_check_unless_fresh() -> None:
    """Before a unit of work, after ``close_old_connections``: no ping at its first query when
    this thread's connection finished one less than ``FRESH_CONNECTION_SECONDS`` ago."""
    last = getattr(_used, "at", None)
    if last is None or time.monotonic() - last >= FRESH_CONNECTION_SECONDS:
        return
    if connection.connection is not None and not connection.errors_occurred:
        connection.health_check_done = True  # type: ignore[attr-defined]  # Django 4.1+, not in the stubs


def connection_used() -> None:
    """After a unit of work that reached its end: this thread's connection has just worked."""
    _used.at = time.monotonic()


def transactions_begin_explicitly() -> None:
    """From now on this thread's transactions (``transaction.atomic``) on MySQL/MariaDB begin
    with ``START TRANSACTION`` instead of ``SET autocommit=0`` (see the module's docstring);
    nothing changes on other databases."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    if wrapper.vendor == "mysql" and "_start_transaction_under_autocommit" not in vars(wrapper):
        # Django's hook (BaseDatabaseWrapper.set_autocommit), looked up on the instance.
        wrapper._start_transaction_under_autocommit = partial(_start_transaction, wrapper)  # type: ignore[attr-defined]


def _start_transaction(wrapper: BaseDatabaseWrapper) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("START TRANSACTION")
