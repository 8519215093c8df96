"""`manage.py dbcreate`: create DATABASE_URL's MySQL database and user through an admin account."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ops.dbcreate import database_create
from ops.errors import OperationError


class Command(BaseCommand):
    help = """Create the MySQL/MariaDB database named in DATABASE_URL (utf8mb4 /
utf8mb4_unicode_ci) and its user, with privileges on that database only, using an
administrative account:

    manage.py dbcreate --admin-url mysql://root:PASSWORD@HOST:3306

(or put the URL in DATABASE_ADMIN_URL so the password stays out of the shell history).
Safe to run again: an existing database and user are kept. A user that exists with another
password is refused unless --reset-password. Passwords are never printed."""

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--admin-url",
            default=os.environ.get("DATABASE_ADMIN_URL", ""),
            help="mysql://admin:password@host:port of an account that may create databases and users "
            "(default: $DATABASE_ADMIN_URL)",
        )
        parser.add_argument("--user-host", default="%", help="host part of the app user's account (default '%%')")
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="if the user exists with another password, set it to DATABASE_URL's",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: DATABASE_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["admin_url"]:
            raise CommandError("Give --admin-url mysql://root:PASSWORD@HOST:3306 (or set DATABASE_ADMIN_URL).")
        try:
            summary = database_create(
                admin_url=options["admin_url"],
                alias=options["database"],
                user_host=options["user_host"],
                reset_password=options["reset_password"],
            )
        except OperationError as error:
            raise CommandError(str(error)) from None
        line = f"Database `{summary.database}`: {summary.database_action} (utf8mb4/utf8mb4_unicode_ci)"
        if summary.account:
            line += f"; user {summary.account}: {summary.user_action}; granted {summary.grant} only."
        else:
            line += f"; user: {summary.user_action}."
        self.stdout.write(line)
