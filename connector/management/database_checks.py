"""One-line refusal for the commands that run the connector's database checks.

Owns: running connector.checks' database checks (charset, server version, encryption keys)
ahead of Django's own check report in `check --database` and `migrate`, and turning their
errors into one CommandError line. Must not change what Django's checks report otherwise.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from connector.checks import database_check_errors, describe_in_one_line


class OneLineDatabaseChecks:
    """Mixin for a Django command: stop with one line when the connector's database checks fail.

    Django reports a failed check as a multi-line SystemCheckError; an operator (or the Docker
    entrypoint's log) gets the error and its fix on one line instead.
    """

    def check(self, *args: Any, databases: Any = None, tags: Any = None, **kwargs: Any) -> Any:
        if databases and (not tags or "database" in tags):
            errors = database_check_errors(list(databases))
            if errors:
                raise CommandError(describe_in_one_line(errors))
        return super().check(*args, databases=databases, tags=tags, **kwargs)  # type: ignore[misc]
