"""Database health report for ``manage.py dbcheck`` and the verification after a restore.

Owns: the list of checks (server version, charsets and collations, SQL mode, time zone,
packet size, TLS, migrations, a 4-byte emoji round trip, readable secrets) and their fix
hints. Must not change anything: the only write is the probe row of the round trip, which is
deleted inside the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from connector.checks import (
    MIN_MARIADB,
    MIN_MYSQL,
    REQUIRED_CHARSET,
    REQUIRED_COLLATION,
    check_encryption_keys_read_stored_secrets,
    encrypted_fields,
)
from connector.db_errors import describe_database_error
from connector.dbconfig import requires_tls
from connector.models import ShopifySession
from ops.mysql_clients import quote_identifier, server_version_parse

MIN_MAX_ALLOWED_PACKET = 16 * 1024 * 1024  # webhook payloads reach 2.5 MB; dump lines need headroom
RECOMMENDED_MAX_ALLOWED_PACKET = 256 * 1024 * 1024
STRICT_MODES = ("STRICT_TRANS_TABLES", "STRICT_ALL_TABLES")
PROBE_TEXT = "dbcheck Ñandú 😀🚀 中文 ﷽"
LISTED_LIMIT = 5
README_CHARSET = "docs/operations.md › Troubleshooting › Wrong charset"
README_MISSING_TABLE = "docs/operations.md › Troubleshooting › Table does not exist"
README_TLS = "docs/operations.md › Troubleshooting › TLS required but not in use"


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    hint: str = ""


@dataclass
class CheckReport:
    alias: str
    vendor: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def failed(self) -> list[CheckResult]:
        return [result for result in self.results if not result.ok]


def database_check(*, alias: str = DEFAULT_DB_ALIAS) -> CheckReport:
    """Run every check on the database behind ``alias`` and return the report.

    Never raises for database problems: each becomes a failed check with a fix hint. The
    emoji probe row is written and deleted in one transaction, so nothing is left behind.
    """
    connection = connections[alias]
    report = CheckReport(alias=alias, vendor=connection.vendor)
    connected = _check_connection(connection, report)
    if not connected:
        return report
    if connection.vendor == "mysql":
        _mysql_checks(connection, report)
    elif connection.vendor == "sqlite":
        _sqlite_checks(connection, report)
    report.results.append(_check_migrations(connection))
    report.results.append(_check_emoji_round_trip(connection))
    report.results.append(_check_encryption(alias))
    return report


def _explain(error: BaseException, connection: Any) -> str:
    described = describe_database_error(error, connection.settings_dict)
    if described:
        return described
    if "no such table" in str(error):  # SQLite's wording for MySQL's error 1146
        return (
            f"A table is missing ({error}): the database is not migrated. Run `python manage.py migrate`. "
            f"See {README_MISSING_TABLE}."
        )
    return f"{type(error).__name__}: {error}"


def _check_connection(connection: Any, report: CheckReport) -> bool:
    try:
        connection.ensure_connection()
    except ImproperlyConfigured as error:
        # connector.signals refuses an unencrypted connection when DATABASE_URL asks for TLS.
        report.results.append(CheckResult("connection", False, str(error), README_TLS))
        return False
    except DatabaseError as error:
        report.results.append(CheckResult("connection", False, _explain(error, connection)))
        return False
    settings_dict = connection.settings_dict
    if connection.vendor == "mysql":
        where = f"{settings_dict.get('HOST') or 'localhost'}:{settings_dict.get('PORT') or 3306}"
        detail = f"connected to {where}/{settings_dict['NAME']} as '{settings_dict.get('USER') or ''}'"
    else:
        detail = f"{connection.vendor} database {settings_dict['NAME']}"
    report.results.append(CheckResult("connection", True, detail))
    return True


def _fetchone(connection: Any, sql: str, params: Any = ()) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] = cursor.fetchone()
    return row


def _fetchall(connection: Any, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _mysql_checks(connection: Any, report: CheckReport) -> None:
    (
        version,
        charset,
        collation,
        session_mode,
        global_mode,
        global_zone,
        session_zone,
        system_zone,
        packet,
    ) = _fetchone(
        connection,
        "SELECT VERSION(), @@character_set_database, @@collation_database, @@SESSION.sql_mode, "
        "@@GLOBAL.sql_mode, @@GLOBAL.time_zone, @@SESSION.time_zone, @@system_time_zone, "
        "@@GLOBAL.max_allowed_packet",
    )
    name = connection.settings_dict["NAME"]
    results = report.results
    results.append(_check_server_version(version))
    results.append(_check_database_charset(name, charset, collation))
    results.append(_check_table_collations(connection))
    results.append(_check_sql_mode(session_mode, global_mode))
    results.append(_check_time_zone(connection, global_zone, session_zone, system_zone))
    results.append(_check_max_allowed_packet(int(packet)))
    results.append(_check_tls(connection))


def _check_server_version(version: str) -> CheckResult:
    is_mariadb, numbers = server_version_parse(version)
    flavour = "MariaDB" if is_mariadb else "MySQL"
    minimum = MIN_MARIADB if is_mariadb else MIN_MYSQL
    wanted = ".".join(str(part) for part in minimum)
    shown = ".".join(str(part) for part in numbers)
    if numbers < minimum:
        return CheckResult(
            "server", False, f"{flavour} {shown} is older than {wanted}", f"upgrade to {flavour} {wanted} or newer"
        )
    return CheckResult("server", True, f"{flavour} {shown} (≥ {wanted})")


def _check_database_charset(name: str, charset: str, collation: str) -> CheckResult:
    detail = f"{charset} / {collation}"
    if charset == REQUIRED_CHARSET and collation == REQUIRED_COLLATION:
        return CheckResult("database charset", True, detail)
    return CheckResult(
        "database charset",
        False,
        f"{detail}, expected {REQUIRED_CHARSET} / {REQUIRED_COLLATION}",
        f"ALTER DATABASE {quote_identifier(name)} CHARACTER SET {REQUIRED_CHARSET} COLLATE {REQUIRED_COLLATION}; "
        f"({README_CHARSET})",
    )


def _check_table_collations(connection: Any) -> CheckResult:
    tables = _fetchall(
        connection,
        "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    )
    columns = _fetchall(
        connection,
        "SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND CHARACTER_SET_NAME IS NOT NULL AND CHARACTER_SET_NAME <> %s "
        "ORDER BY TABLE_NAME, ORDINAL_POSITION",
        [REQUIRED_CHARSET],
    )
    if not tables:
        return CheckResult("table collations", True, "no tables yet")
    wrong_tables = [(table, collation) for table, collation in tables if collation != REQUIRED_COLLATION]
    wrong_column_tables = sorted({table for table, _column, _charset in columns} - {t for t, _c in wrong_tables})
    if not wrong_tables and not wrong_column_tables:
        return CheckResult("table collations", True, f"all {len(tables)} tables {REQUIRED_COLLATION}")
    listed = [f"{table} ({collation})" for table, collation in wrong_tables]
    listed += [f"{table} (columns not {REQUIRED_CHARSET})" for table in wrong_column_tables]
    shown = ", ".join(listed[:LISTED_LIMIT]) + (
        f" and {len(listed) - LISTED_LIMIT} more" if len(listed) > LISTED_LIMIT else ""
    )
    first = wrong_tables[0][0] if wrong_tables else wrong_column_tables[0]
    return CheckResult(
        "table collations",
        False,
        f"{len(listed)} of {len(tables)} tables are not {REQUIRED_CHARSET} / {REQUIRED_COLLATION}: {shown}",
        f"ALTER TABLE {quote_identifier(first)} CONVERT TO CHARACTER SET {REQUIRED_CHARSET} "
        f"COLLATE {REQUIRED_COLLATION}; and the same for each table listed ({README_CHARSET})",
    )


def _check_sql_mode(session_mode: str, global_mode: str) -> CheckResult:
    session_strict = any(mode in session_mode.split(",") for mode in STRICT_MODES)
    global_strict = any(mode in global_mode.split(",") for mode in STRICT_MODES)
    if not session_strict:
        return CheckResult(
            "strict SQL mode",
            False,
            f"the app's connections are not strict (sql_mode={session_mode or '(empty)'})",
            "keep the sql_mode set by connector/dbconfig.py in OPTIONS['init_command']",
        )
    server = "strict" if global_strict else "not strict: other clients may truncate data silently"
    return CheckResult("strict SQL mode", True, f"app connections strict; server default {server}")


def _check_time_zone(connection: Any, global_zone: str, session_zone: str, system_zone: str) -> CheckResult:
    server = f"server {global_zone}" + (f" ({system_zone})" if global_zone == "SYSTEM" else "")
    app_zone = settings.TIME_ZONE
    detail = f"datetimes stored in UTC; {server}; app TIME_ZONE {app_zone}"
    if app_zone == "UTC":
        return CheckResult("time zone", True, detail)
    # Django converts with CONVERT_TZ(col, 'UTC', TIME_ZONE): named zones need the server's tables.
    (converted,) = _fetchone(connection, "SELECT CONVERT_TZ('2000-01-01 00:00:00', 'UTC', %s)", [app_zone])
    if converted is None:
        return CheckResult(
            "time zone",
            False,
            f"{detail}, but the server cannot convert to {app_zone}: its time-zone tables are empty",
            "mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -u root mysql   (or set TIME_ZONE=UTC)",
        )
    return CheckResult("time zone", True, detail)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}M"


def _check_max_allowed_packet(packet: int) -> CheckResult:
    if packet < MIN_MAX_ALLOWED_PACKET:
        return CheckResult(
            "max_allowed_packet",
            False,
            f"{_megabytes(packet)}, below the {_megabytes(MIN_MAX_ALLOWED_PACKET)} the app needs",
            f"set max_allowed_packet={_megabytes(RECOMMENDED_MAX_ALLOWED_PACKET)} in the server configuration",
        )
    note = (
        ""
        if packet >= RECOMMENDED_MAX_ALLOWED_PACKET
        else f" ({_megabytes(RECOMMENDED_MAX_ALLOWED_PACKET)} recommended)"
    )
    return CheckResult("max_allowed_packet", True, f"{_megabytes(packet)}{note}")


def _check_tls(connection: Any) -> CheckResult:
    required = requires_tls(connection.settings_dict) or (
        connection.alias == DEFAULT_DB_ALIAS and getattr(settings, "DATABASE_REQUIRES_TLS", False)
    )
    row = _fetchone(connection, "SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    cipher = row[1] if row else ""
    if cipher:
        return CheckResult("TLS", True, f"connection encrypted ({cipher})")
    if required:
        return CheckResult(
            "TLS",
            False,
            "DATABASE_URL asks for TLS but the connection is not encrypted",
            f"enable TLS on the server or fix ssl-mode ({README_TLS})",
        )
    return CheckResult("TLS", True, "not required by DATABASE_URL; connection not encrypted")


def _sqlite_checks(connection: Any, report: CheckReport) -> None:
    import sqlite3

    (result,) = _fetchone(connection, "PRAGMA quick_check")
    report.results.append(
        CheckResult(
            "integrity",
            result == "ok",
            f"SQLite {sqlite3.sqlite_version}, quick_check: {result}",
            "" if result == "ok" else "restore the latest backup (manage.py restore)",
        )
    )


def _check_migrations(connection: Any) -> CheckResult:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return CheckResult("migrations", False, _explain(error, connection))
    if plan:
        first = f"{plan[0][0].app_label}.{plan[0][0].name}"
        return CheckResult(
            "migrations",
            False,
            f"{len(plan)} unapplied, first: {first}",
            f"run `python manage.py migrate` ({README_MISSING_TABLE})",
        )
    return CheckResult("migrations", True, "all applied")


def _check_emoji_round_trip(connection: Any) -> CheckResult:
    table = ShopifySession._meta.db_table
    quoted = connection.ops.quote_name(table)
    probe_id = f"dbcheck-{uuid.uuid4().hex}"
    expected = PROBE_TEXT.encode("utf-8").hex().upper()
    try:
        with transaction.atomic(using=connection.alias):
            ShopifySession.objects.using(connection.alias).create(
                id=probe_id,
                shop="dbcheck-probe.myshopify.com",
                first_name=PROBE_TEXT,
                scope=PROBE_TEXT,
                access_token="",
            )
            # Compare the stored bytes, not what the driver decodes.
            probe_sql = f"SELECT HEX(first_name), HEX(scope) FROM {quoted} WHERE id = %s"  # noqa: S608
            stored = _fetchone(connection, probe_sql, [probe_id])
            deleted, _ = ShopifySession.objects.using(connection.alias).filter(pk=probe_id).delete()
            left = ShopifySession.objects.using(connection.alias).filter(pk=probe_id).exists()
    except DatabaseError as error:
        return CheckResult("emoji round trip", False, _explain(error, connection))
    if stored is None or any(str(value).upper() != expected for value in stored):
        return CheckResult(
            "emoji round trip",
            False,
            f"{table} did not store 4-byte characters byte for byte",
            f"convert the table to {REQUIRED_CHARSET} ({README_CHARSET})",
        )
    if deleted != 1 or left:
        return CheckResult("emoji round trip", False, "the probe row could not be deleted")
    return CheckResult("emoji round trip", True, f"wrote, read back and deleted '{PROBE_TEXT}' in {table}")


def _check_encryption(alias: str) -> CheckResult:
    columns = len(encrypted_fields())
    try:
        messages = check_encryption_keys_read_stored_secrets(databases=[alias])
    except DatabaseError as error:
        return CheckResult("encryption keys", False, _explain(error, connections[alias]))
    if messages:
        return CheckResult("encryption keys", False, messages[0].msg, messages[0].hint or "")
    return CheckResult("encryption keys", True, f"FIELD_ENCRYPTION_KEYS read the stored secrets ({columns} columns)")
