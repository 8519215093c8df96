"""`manage.py dbcheck`: report whether the database is fit for the app, one line per check."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ops.dbcheck import CheckReport, database_check


def report_lines(report: CheckReport) -> list[str]:
    """One line per check: ✓/✗, name, detail and, for failures, the fix."""
    lines = []
    for result in report.results:
        mark = "✓" if result.ok else "✗"
        line = f"{mark} {result.name}: {result.detail}"
        if result.hint and not result.ok:
            line += f"\n    fix: {result.hint}"
        lines.append(line)
    return lines


class Command(BaseCommand):
    help = """Check the database named by DATABASE_URL and print one line per check with ✓ or ✗
and, for each failure, how to fix it.

MySQL/MariaDB: server flavour and version (MySQL 8.0.11+ / MariaDB 10.6+), the database's
default charset/collation (utf8mb4 / utf8mb4_unicode_ci) and every table's, strict SQL mode,
time zone, max_allowed_packet, TLS (when DATABASE_URL asks for it), unapplied migrations, a
write/read/delete round trip of a 4-byte emoji, and whether FIELD_ENCRYPTION_KEYS can read the
stored secrets. SQLite: integrity, migrations, the round trip and the keys.

Exit status 0 only when every check passes. Connection problems (refused, access denied,
unknown database, missing tables) point to docs/operations.md › Troubleshooting."""

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="database alias to check (default: the DATABASE_URL one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = database_check(alias=options["database"])
        for line in report_lines(report):
            self.stdout.write(line)
        total = len(report.results)
        failed = len(report.failed)
        if failed:
            raise CommandError(f"dbcheck: {failed} of {total} checks failed.", returncode=1)
        self.stdout.write(f"dbcheck: all {total} checks passed ({report.vendor}).")
