"""`manage.py rotate_encryption_keys`: re-encrypt every stored secret with the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from connector import crypto
from ops.encryption_keys import encryption_keys_rotate


class Command(BaseCommand):
    help = """Re-encrypt every encrypted column (tokens, API keys, callback secrets) with the
newest key of FIELD_ENCRYPTION_KEYS.

Rotation: put a new key FIRST in FIELD_ENCRYPTION_KEYS and keep the old ones after it, deploy,
run this command, then remove the old keys. Safe to run while the app serves traffic and safe
to run again (values already under the newest key are skipped)."""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = encryption_keys_rotate(batch_size=options["batch_size"], dry_run=options["dry_run"])
        except crypto.EncryptionKeyError as error:
            raise CommandError(str(error)) from error
        verb = "Would re-encrypt" if options["dry_run"] else "Re-encrypted"
        self.stdout.write(
            f"{verb} {summary.values_rotated} value(s); {summary.values_current} already under the newest key "
            f"({len(summary.columns)} encrypted columns)."
        )
