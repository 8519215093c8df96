"""`manage.py prune_webhook_events`: delete finished webhook events older than a given age."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from webhooks.services import webhook_events_prune

AGE_RE = re.compile(r"^(\d+)\s*([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(value: str) -> datetime.timedelta:
    """``30d``, ``12h`` or ``90m`` as a timedelta."""
    match = AGE_RE.match(value.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise CommandError(f"--older-than must look like 30d, 12h or 90m (not {value!r})")
    return datetime.timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


class Command(BaseCommand):
    help = """Delete webhook events that finished (processed, failed or ignored) and were received
longer ago than --older-than (e.g. 30d, 12h, 90m).

Events still waiting or being processed are kept whatever their age. Rows go in batches
(--batch-size, default 1000), each a short DELETE by primary key, so the command is safe while
the app serves traffic and can be stopped and run again at any time. Customer data exports are
not touched (they leave with customers/redact, shop/redact or by hand). Finished task rows of
the queue are pruned by django-tasks-db's own `prune_db_task_results`."""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--older-than", required=True, help="age such as 30d, 12h or 90m")
        parser.add_argument("--batch-size", type=int, default=1000, help="rows per DELETE (default 1000)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        age = parse_age(options["older_than"])
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        count = webhook_events_prune(older_than=age, batch_size=options["batch_size"], dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {count} finished webhook event(s) older than {options['older_than']}.")
