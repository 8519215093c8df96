"""`manage.py restore FILE`: load a backup into the configured database, then verify it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ops.errors import OperationError
from ops.management.commands.dbcheck import report_lines
from ops.restore import database_restore


class Command(BaseCommand):
    help = """Restore a backup made by `manage.py backup` (or any mysqldump file) into the
database named by DATABASE_URL.

The whole file is checked BEFORE the database is touched: gzip integrity, that it is a
mysqldump/MariaDB dump ending with its '-- Dump completed' line and written in utf8mb4 (or
an intact SQLite database for an SQLite DATABASE_URL). A damaged, truncated or foreign file
is refused and nothing changes.

A database that already has tables is refused unless --yes: restoring replaces everything in
it (its tables are dropped first), so take a backup first. Afterwards the row count of every
table is compared with the file and `dbcheck` runs; the exit status is 0 only when both pass.
Needs the mysql (or mariadb) client program for MySQL: apt-get install mariadb-client."""

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="backup file (.sql.gz, .sql, .sqlite3.gz)")
        parser.add_argument("--yes", action="store_true", help="replace a database that is not empty")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: DATABASE_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            summary = database_restore(path=path, alias=options["database"], replace=options["yes"])
        except OperationError as error:
            raise CommandError(str(error)) from None
        rows = sum(summary.info.rows.values())
        tables = len(summary.info.rows)
        if summary.mismatches:
            for mismatch in summary.mismatches:
                self.stdout.write(f"✗ rows: {mismatch}")
        else:
            self.stdout.write(f"✓ rows: all {tables} tables match the backup ({rows} rows)")
        for line in report_lines(summary.check):
            self.stdout.write(line)
        replaced = f", replacing {summary.replaced_tables} tables" if summary.replaced_tables else ""
        headline = f"Restored {path.name} ({tables} tables, {rows} rows{replaced}) in {summary.seconds:.2f} s"
        if not summary.ok:
            problems = len(summary.mismatches) + len(summary.check.failed)
            raise CommandError(f"{headline}, but verification found {problems} problem(s) (see above).")
        self.stdout.write(f"{headline}; verified.")
