"""Shared set-up for the benchmarks: a dedicated MySQL database and production-like settings.

Benchmarks never touch the database named in DATABASE_URL: they create (and keep, for reruns)
``<name>_bench`` on the same server, or use BENCH_DATABASE_URL when set.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_database_url(*, suffix: str = "") -> str:
    """``BENCH_DATABASE_URL``, else DATABASE_URL's database name + ``_bench`` + ``suffix``."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit and not suffix:
        return explicit
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("mysql://", "mariadb://", "mysql2://")):
        sys.exit("error: benchmarks need DATABASE_URL=mysql://user:pass@host:3306/db (MySQL 8 / MariaDB 10.6+)")
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bench" + suffix))


def setup_django() -> None:
    """Configure Django against the bench database (created with utf8mb4 if missing) and migrate."""
    url = bench_database_url()
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings_test")
    import MySQLdb

    parts = urlsplit(url)
    connection = MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        passwd=parts.password or "",
    )
    name = parts.path.lstrip("/")
    connection.cursor().execute(
        f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    )
    connection.close()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def insert_rows(model: Any, rows: Iterable[Mapping[str, Any]], *, batch_size: int = 5_000) -> int:
    """INSERT ``rows`` ({field name: Python value}) into ``model``'s table in batches; return the count.

    Faster than ``bulk_create`` and keeps the given ``created_at``/``updated_at`` (``auto_now``
    would overwrite them). Every concrete field is written: values are converted as the ORM
    converts them (encryption, JSON, UTC datetimes), and a field left out gets the time of the
    insert (``auto_now``), its model default or NULL (``connector.db_rows``). Many columns are
    NOT NULL with the default applied by Django only, not by the database, so naming the columns
    by hand would break the benches whenever a migration adds one.
    """
    from django.db import connection

    from connector.db_rows import row_insert_statement, row_values

    sql, fields = row_insert_statement(model, connection.vendor)
    inserted = 0
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        batch.clear()

    for row in rows:
        batch.append(row_values(model, fields, row))
        inserted += 1
        if len(batch) == batch_size:
            flush()
    if batch:
        flush()
    return inserted


def measure(action: Callable[[], object], *, repeat: int = 7) -> tuple[float, int]:
    """Median wall time in ms of ``action`` (after one warm-up) and its query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action()
    timings = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return statistics.median(timings), queries


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(*, port: int, workers: int = 2, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start gunicorn on the bench database with bench_settings; wait until it answers."""
    import urllib.request

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_settings", "DATABASE_URL": bench_database_url()}
    env.update(extra_env or {})
    process = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "connector.wsgi",
            "--pythonpath",
            f"{ROOT},{ROOT / 'bench'}",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not start")
