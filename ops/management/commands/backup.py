"""`manage.py backup`: write a consistent, gzipped copy of the database to a file or stdout."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ops.backup import database_backup
from ops.errors import OperationError


def human_size(size: int) -> str:
    """1536 -> '1.5 KB' (powers of 1024)."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


class Command(BaseCommand):
    help = """Back up the database named by DATABASE_URL.

MySQL/MariaDB: mysqldump --single-transaction --routines --triggers
--default-character-set=utf8mb4 (a consistent snapshot while the app keeps serving), with the
credentials in a temporary option file (mode 0600, deleted afterwards; never on the command
line). Needs the client programs: apt-get install mariadb-client (or mysql-client).
SQLite: the online backup API.

The file is gzipped unless --no-gzip and named backup_YYYYMMDD_HHMMSS.sql.gz (UTC) in
backups/ unless --output names a file or a directory; --output - writes to stdout. The file is
created with mode 0600 and appears under its name only once complete. --upload also copies it
to the configured storage (django-storages bucket, or MEDIA_ROOT) under backups/.
Prints the size and the duration. Restore with `manage.py restore FILE`."""

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", "-o", help="file or directory to write to, or - for stdout (default: backups/)")
        parser.add_argument("--no-gzip", action="store_true", help="write plain SQL instead of .sql.gz")
        parser.add_argument("--upload", action="store_true", help="also save the file to the default storage")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: DATABASE_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        to_stdout = options["output"] == "-"
        output = options["output"] or ""
        # Path() drops a trailing slash, which is how people say "this is a directory".
        if output.endswith(("/", os.sep)) and not Path(output).is_dir():
            raise CommandError(f"Directory {output} does not exist.")
        try:
            summary = database_backup(
                alias=options["database"],
                output=None if to_stdout or not options["output"] else Path(options["output"]),
                stream=sys.stdout.buffer if to_stdout else None,
                compress=not options["no_gzip"],
                upload=options["upload"],
            )
        except OperationError as error:
            raise CommandError(str(error)) from None
        line = (
            f"Backup written to {'stdout' if to_stdout else summary.destination}: "
            f"{human_size(summary.bytes_written)} in {summary.seconds:.2f} s ({summary.method})"
        )
        if summary.uploaded_as:
            line += f"; uploaded as {summary.uploaded_as}"
        # With --output - the data owns stdout, so the summary goes to stderr.
        (self.stderr if to_stdout else self.stdout).write(line + ".")
