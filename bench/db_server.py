"""The database server's own view of a benchmark run (MySQL/MariaDB): its statement and round-trip
counters, and InnoDB's purge of deleted rows, which a run should not pay for another's."""

from __future__ import annotations

import re
import time

STATEMENTS = ("select", "insert", "update", "delete", "commit", "rollback")
# The other round trips a client makes (server counters): savepoints and their releases, pings
# (COM_PING counts as an admin command: Django's health check) and SET autocommit.
OVERHEAD = ("savepoint", "release_savepoint", "admin_commands", "set_option")


def statement_counts() -> dict[str, int]:
    """The database server's statements so far, by kind (``SHOW GLOBAL STATUS``: every client's,
    this process's polling for the end included — a few per second)."""
    from django.db import connection

    with connection.cursor() as cursor:
        names = ", ".join(f"'Com_{kind}'" for kind in (*STATEMENTS, *OVERHEAD))
        cursor.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({names}, 'Questions')")
        return {name.removeprefix("Com_").lower(): int(value) for name, value in cursor.fetchall()}


def counts_per_order(before: dict[str, int], after: dict[str, int], orders: int) -> dict[str, float]:
    """Each counter's increase over the run, per order: statements by kind, the other round
    trips (``OVERHEAD``) and all of them (``questions``)."""
    return {kind: (after.get(kind, 0) - before.get(kind, 0)) / orders for kind in (*STATEMENTS, *OVERHEAD, "questions")}


def purge_settled(timeout: float = 60.0) -> None:
    """Wait (up to ``timeout``) until InnoDB has purged the rows a reset deleted (a previous run's
    orders, deliveries and events): else the server's purge threads do it during the measured
    burst and their CPU is counted in the database's figure."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SHOW ENGINE INNODB STATUS")
            status = cursor.fetchone()[-1]
        found = re.search(r"History list length (\d+)", status)
        if found is None or int(found.group(1)) < 100:
            return
        time.sleep(0.5)
