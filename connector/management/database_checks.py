"""One-line refusal for the commands that run the connector's database checks.

Owns: turning errors of connector.checks' database checks (charset, server version, encryption
keys) in `check --database` and `migrate` into one CommandError line instead of Django's
multi-line report (the checks run once; only a failed run is looked at again). Must not
change what Django's checks report otherwise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, SystemCheckError

from connector.checks import database_check_errors, describe_in_one_line


class OneLineDatabaseChecks:
    """Mixin for a Django command: stop with one line when the connector's database checks fail.

    Django reports a failed check as a multi-line SystemCheckError; an operator (or the Docker
    entrypoint's log) gets the error and its fix on one line instead.
    """

    def check(self, *args: Any, databases: Any = None, tags: Any = None, **kwargs: Any) -> Any:
        try:
            return super().check(*args, databases=databases, tags=tags, **kwargs)  # type: ignore[misc]
        except SystemCheckError:
            # Only when something failed: were the connector's database checks among it?
            errors = database_check_errors(list(databases)) if databases and (not tags or "database" in tags) else []
            if errors:
                raise CommandError(describe_in_one_line(errors)) from None
            raise
