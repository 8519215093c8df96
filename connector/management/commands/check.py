"""`manage.py check`: Django's command; the connector's database errors come as one line."""

from __future__ import annotations

from django.core.management.commands.check import Command as DjangoCheckCommand

from connector.management.database_checks import OneLineDatabaseChecks


class Command(OneLineDatabaseChecks, DjangoCheckCommand):
    help = """Check the project for problems (Django's system checks).

With --database ALIAS also the database: utf8mb4 character set, server version, and that
FIELD_ENCRYPTION_KEYS can decrypt the secrets already stored. A failure of those is one line
with its fix, and the exit status is 1."""
