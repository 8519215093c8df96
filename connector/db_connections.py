"""A database connection used a moment ago is not pinged again before the next unit of work.

Owns: when this thread's connection last finished a unit of work (a request of the webhook
intake, a worker's row or claim), and skipping Django's health-check ping (``CONN_HEALTH_CHECKS``)
at the next unit's first query when that was less than ``FRESH_CONNECTION_SECONDS`` ago.
Django pings once per unit of work (``close_old_connections`` re-arms it); in a burst the
units follow each other within milliseconds, and a connection that has just worked is not a
stale one — the ping was about three of an order's 19 round trips. An idle connection is
pinged as before; one that met an error is checked by ``close_old_connections`` itself. Must
not open or close connections.
"""

from __future__ import annotations

import threading
import time

from django.db import connection

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
