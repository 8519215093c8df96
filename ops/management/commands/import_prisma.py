"""`manage.py import_prisma --from URL`: move the old Node/Prisma app's data into this app."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, no_translations

from ops.errors import OperationError
from ops.prisma_import import ImportSummary, TableSummary, prisma_import

SHOWN_ROWS = 50


class Command(BaseCommand):
    help = """Import the old Node/Prisma app's data: its tables Session, ShopConfiguration,
ProductAssociation and AIConfiguration, read from its MySQL database
(--from mysql://user:password@host:3306/shopify_app) or its SQLite file
(--from /path/dev.sqlite). The source is only read (SQLite opened read-only, MySQL in a
read-only transaction); nothing is ever deleted or changed there.

Rows are upserted on their natural keys (session id, shop, shop + Dropi id + Shopify id): a
second run changes nothing, and a run that was interrupted completes on the next. Tokens and
API keys are encrypted on the way in. Every shop seen gets a configuration (with a callback
secret). A row this app cannot store (invalid shop, value too long, unreadable JSON, unknown
country...) is skipped and reported; the rest continues. AI lists that do not match the admin's
rules are imported unchanged and reported. A row changed in this app after the import is kept
unless --overwrite.

Prints read / created / updated / unchanged / skipped per table, with the reason for each
skipped row. --dry-run compares without writing anything."""

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--from", dest="source", required=True, help="mysql:// URL or SQLite file of the old app")
        parser.add_argument("--dry-run", action="store_true", help="read and compare, write nothing")
        parser.add_argument(
            "--overwrite", action="store_true", help="replace rows changed in this app since the import"
        )
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")

    @no_translations  # validation messages in the report stay in English, like the rest of the output
    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            summary = prisma_import(
                source=options["source"],
                dry_run=options["dry_run"],
                overwrite=options["overwrite"],
                batch_size=options["batch_size"],
            )
        except OperationError as error:
            raise CommandError(str(error)) from None
        for table in summary.tables:
            self._write_table(table, dry_run=summary.dry_run)
        generated = summary.generated
        self.stdout.write(
            f"{generated.table}: shops {generated.read}, {'would create' if summary.dry_run else 'created'} "
            f"{generated.created}, already there {generated.unchanged}"
        )
        self.stdout.write(self._headline(summary))

    def _write_table(self, table: TableSummary, *, dry_run: bool) -> None:
        verb = "would create" if dry_run else "created"
        self.stdout.write(
            f"{table.table}: read {table.read}, {verb} {table.created}, updated {table.updated}, "
            f"unchanged {table.unchanged}, skipped {table.skipped}"
        )
        for note in table.notes:
            self.stdout.write(f"  note: {note}")
        for kind, rows in (("skipped", table.skipped_rows), ("warning", table.warnings)):
            for row in rows[:SHOWN_ROWS]:
                self.stdout.write(f"  {kind} {row.row}: {row.reason}")
            if len(rows) > SHOWN_ROWS:
                self.stdout.write(f"  … and {len(rows) - SHOWN_ROWS} more {kind} row(s)")

    @staticmethod
    def _headline(summary: ImportSummary) -> str:
        verb = "would create" if summary.dry_run else "created"
        line = (
            f"import_prisma from {summary.source}: read {summary.total('read')}, {verb} {summary.total('created')}, "
            f"updated {summary.total('updated')}, unchanged {summary.total('unchanged')}, "
            f"skipped {summary.total('skipped')}; {summary.generated.created} configuration(s) for shops without one"
        )
        if summary.dry_run:
            return line + " (dry run: nothing was written)."
        if summary.total("skipped"):
            return line + ". Fix the skipped rows in the source and run again: what is already here stays as it is."
        return line + "."
