"""Test helpers for the operator commands: throw-away databases and extra connection aliases.

Every MySQL database made here is named ``ops_<label>_<random>`` and dropped afterwards, so
runs never clash with other databases on the same server.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend

from connector.dbconfig import database_config_from_url
from ops.mysql_clients import mysql_connect, quote_identifier


def unique_name(label: str) -> str:
    return f"ops_{label}_{secrets.token_hex(4)}"


def server_settings(**overrides: Any) -> dict[str, Any]:
    """The default connection's settings (same server and account) with ``overrides``."""
    settings_dict = dict(connections["default"].settings_dict)
    settings_dict["OPTIONS"] = dict(settings_dict.get("OPTIONS") or {})
    settings_dict["TEST"] = dict(settings_dict.get("TEST") or {})
    settings_dict.update(overrides)
    return settings_dict


def admin_execute(*statements: str, params: Any = None) -> list[tuple[Any, ...]]:
    """Run statements as the suite's MySQL account (not through Django); return the last rows."""
    connection = mysql_connect(settings_dict=server_settings(), database="")
    try:
        with connection.cursor() as cursor:
            rows: list[tuple[Any, ...]] = []
            for statement in statements:
                cursor.execute(statement, params)
                rows = list(cursor.fetchall())
            return rows
    finally:
        connection.close()


@contextmanager
def mysql_database(label: str, *, charset: str = "utf8mb4", collation: str = "utf8mb4_unicode_ci") -> Iterator[str]:
    """Create an empty MySQL database for the block and drop it afterwards."""
    name = unique_name(label)
    admin_execute(f"CREATE DATABASE {quote_identifier(name)} CHARACTER SET {charset} COLLATE {collation}")
    try:
        yield name
    finally:
        admin_execute(f"DROP DATABASE IF EXISTS {quote_identifier(name)}")


@contextmanager
def database_alias(alias: str, settings_dict: dict[str, Any]) -> Iterator[str]:
    """Make ``connections[alias]`` available for the block (commands take ``--database alias``).

    The wrapper is registered as a dynamically created connection (not in settings), which
    Django's test isolation allows in any database test.
    """
    configured = connections.configure_settings({"default": connections["default"].settings_dict, alias: settings_dict})
    wrapper = load_backend(configured[alias]["ENGINE"]).DatabaseWrapper(configured[alias], alias)
    setattr(connections._connections, alias, wrapper)
    try:
        yield alias
    finally:
        wrapper.close()
        delattr(connections._connections, alias)


@contextmanager
def sqlite_alias(alias: str, path: Path, *, migrate: bool = True) -> Iterator[str]:
    """An SQLite database file under ``alias``, migrated unless ``migrate=False``."""
    with database_alias(alias, database_config_from_url(f"sqlite:///{path}")):
        if migrate:
            call_command("migrate", database=alias, verbosity=0)
        yield alias


def mysql_snapshot(name: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of database ``name``, text as raw bytes, in primary-key order."""
    connection = mysql_connect(settings_dict=server_settings(), database=name)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
            tables = sorted(row[0] for row in cursor.fetchall())
            snapshot = {}
            for table in tables:
                # CAST AS BINARY for every column: bytes exactly as stored, whatever the type.
                cursor.execute(
                    "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                    "AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
                    [table],
                )
                columns = [row[0] for row in cursor.fetchall()]
                selected = ", ".join(f"CAST({quote_identifier(column)} AS BINARY)" for column in columns)
                cursor.execute(f"SELECT {selected} FROM {quote_identifier(table)} ORDER BY 1")
                snapshot[table] = list(cursor.fetchall())
            return snapshot
    finally:
        connection.close()


def sqlite_snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the SQLite file ``path``, text as raw bytes."""
    connection = sqlite3.connect(path)
    connection.text_factory = bytes
    try:
        tables = [
            row[0].decode()
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables}
    finally:
        connection.close()
