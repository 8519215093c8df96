"""System checks of the platform.

Owns: the database checks Django runs for `manage.py check --database default` and before
`migrate` (tag ``database``): refusing a database that is not utf8mb4, a server older than the
product supports, and encryption keys that cannot read the secrets already stored; and, at
every check, that the functions settings name by dotted path (WORKER_MAINTENANCE) import and
that DROPI_TIME_ZONE is a time zone.
Must not write anything.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.module_loading import import_string

from connector import crypto
from connector.fields import EncryptedTextField

REQUIRED_CHARSET = "utf8mb4"
REQUIRED_COLLATION = "utf8mb4_unicode_ci"
MIN_MARIADB = (10, 6)
MIN_MYSQL = (8, 0, 11)
# Stored values read per encrypted column and per end of the table: a handful of cheap reads.
SAMPLED_VALUES_PER_END = 3


def _mysql_aliases(databases: Any) -> list[str]:
    return [alias for alias in (databases or []) if connections[alias].vendor == "mysql"]


@checks.register(checks.Tags.database)
def check_database_charset(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for alias in _mysql_aliases(databases):
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@character_set_database, @@collation_database, VERSION()")
            charset, collation, version = cursor.fetchone()
        if charset != REQUIRED_CHARSET:
            messages.append(
                checks.Error(
                    f"Database '{connection.settings_dict['NAME']}' uses character set {charset}; "
                    f"the product needs {REQUIRED_CHARSET} (emoji and accents).",
                    hint=(
                        f"ALTER DATABASE `{connection.settings_dict['NAME']}` CHARACTER SET {REQUIRED_CHARSET} "
                        f"COLLATE {REQUIRED_COLLATION}; then convert existing tables "
                        "(docs/operations.md › Troubleshooting › Wrong charset)."
                    ),
                    id="connector.E001",
                )
            )
        elif collation != REQUIRED_COLLATION:
            messages.append(
                checks.Warning(
                    f"Database '{connection.settings_dict['NAME']}' collation is {collation}, "
                    f"expected {REQUIRED_COLLATION}.",
                    hint=f"ALTER DATABASE `{connection.settings_dict['NAME']}` COLLATE {REQUIRED_COLLATION};",
                    id="connector.W001",
                )
            )
        is_mariadb = "mariadb" in version.lower()
        numbers = tuple(int(part) for part in version.split("-")[0].split(".")[:3] if part.isdigit())
        minimum = MIN_MARIADB if is_mariadb else MIN_MYSQL
        if numbers < minimum:
            flavour = "MariaDB" if is_mariadb else "MySQL"
            wanted = ".".join(str(part) for part in minimum)
            messages.append(
                checks.Error(
                    f"{flavour} {version} is too old; the product needs {flavour} {wanted} or newer.",
                    id="connector.E002",
                )
            )
    return messages


def encrypted_fields() -> list[tuple[Any, EncryptedTextField[Any, Any]]]:
    """Every (model, field) pair stored encrypted."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def _stored_samples(model: Any, field: EncryptedTextField[Any, Any], alias: str) -> list[str]:
    """A few stored values of ``field``: both ends of the primary-key order.

    The oldest rows are the likeliest to have been written with a key that has since been
    dropped, the newest show whether the current key is the one in use. Raises DatabaseError
    when the table is missing.
    """
    stored = (
        model._default_manager.using(alias)
        .exclude(**{f"{field.name}__isnull": True})
        .annotate(_raw=Cast(field.name, TextField()))
        .exclude(_raw="")
        .values_list("_raw", flat=True)
    )
    oldest = list(stored.order_by("pk")[:SAMPLED_VALUES_PER_END])
    newest = list(stored.order_by("-pk")[:SAMPLED_VALUES_PER_END])
    return list(dict.fromkeys(oldest + newest))


@checks.register(checks.Tags.database)
def check_encryption_keys_read_stored_secrets(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for alias in databases or []:
        unreadable: list[str] = []
        for model, field in encrypted_fields():
            try:
                samples = _stored_samples(model, field, alias)
            except DatabaseError:
                # Not migrated yet: nothing stored, nothing to read.
                continue
            for raw in samples:
                try:
                    crypto.decrypt(raw)
                except crypto.EncryptionKeyError:
                    unreadable.append(f"{model._meta.db_table}.{field.column}")
                    break
        if unreadable:
            messages.append(
                checks.Error(
                    f"Secrets stored in {', '.join(unreadable)} cannot be decrypted with FIELD_ENCRYPTION_KEYS.",
                    hint="Put the key they were written with back in FIELD_ENCRYPTION_KEYS (after the new one) "
                    "and run `manage.py rotate_encryption_keys` (docs/operations.md › Troubleshooting › Stored secrets "
                    "cannot be decrypted).",
                    id="connector.E003",
                )
            )
    return messages


def dotted_path_errors(setting: str, paths: Iterable[str], *, check_id: str) -> list[checks.CheckMessage]:
    """An error for every entry of ``setting`` that does not import as a function."""
    messages: list[checks.CheckMessage] = []
    for path in paths:
        try:
            found = import_string(path)
        except ImportError as error:
            problem = f"cannot be imported ({error})"
        else:
            if callable(found):
                continue
            problem = "is not a function"
        messages.append(
            checks.Error(
                f"{setting} names {path!r}, which {problem}.",
                hint=f"Fix or remove the entry in connector/settings.py › {setting}.",
                id=check_id,
            )
        )
    return messages


@checks.register()
def check_worker_maintenance(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return dotted_path_errors("WORKER_MAINTENANCE", settings.WORKER_MAINTENANCE, check_id="connector.E004")


@checks.register()
def check_dropi_time_zone(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """DROPI_TIME_ZONE names a time zone (the status sync reads Dropi's dates in it)."""
    try:
        zoneinfo.ZoneInfo(settings.DROPI_TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return [
            checks.Error(
                f"DROPI_TIME_ZONE={settings.DROPI_TIME_ZONE!r} is not a time zone.",
                hint="Use an IANA name such as America/Bogota.",
                id="connector.E005",
            )
        ]
    return []
