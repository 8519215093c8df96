"""`manage.py migrate`: Django's command; the connector's database errors come as one line."""

from __future__ import annotations

from django.core.management.commands.migrate import Command as DjangoMigrateCommand

from connector.management.database_checks import OneLineDatabaseChecks


class Command(OneLineDatabaseChecks, DjangoMigrateCommand):
    help = """Apply the migrations to the database (Django's migrate).

Before anything is changed, the database is checked: a database that is not utf8mb4, a server
older than MySQL 8.0.11 / MariaDB 10.6, or FIELD_ENCRYPTION_KEYS that cannot decrypt the
secrets already stored stop it with one line that says what to fix."""
