"""Read-only access to the old app's database, MySQL or its SQLite file.

Owns: opening the source read-only (SQLite ``mode=ro``, a MySQL read-only transaction on one
consistent snapshot) and reading a table's rows in primary-key order, in batches. Must not
write to the source nor put its password in an error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import environ

from connector.dbconfig import INVALID_URL, MYSQL_SCHEMES
from ops.errors import OperationError
from ops.mysql_clients import mysql_connect, mysql_settings_from_url, quote_identifier

SQLITE_MAGIC = b"SQLite format 3\x00"


class Source:
    """Read-only access to the old database: table names, columns, rows in primary-key order."""

    label = ""

    def table_names(self) -> list[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        raise NotImplementedError

    def page(self, table: str, columns: list[str], *, after: Any, limit: int) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def rows(self, table: str, columns: list[str], *, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        """Yield batches of rows as dicts; ``columns`` must start with ``id`` (keyset paging)."""
        after = None
        while True:
            page = self.page(table, columns, after=after, limit=batch_size)
            if not page:
                return
            yield [dict(zip(columns, row, strict=True)) for row in page]
            after = page[-1][0]


class SqliteSource(Source):
    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise OperationError(f"--from: {path} does not exist.")
        with path.open("rb") as handle:
            if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                raise OperationError(f"--from: {path} is not an SQLite database (nor a mysql:// URL).")
        self.label = str(path)
        # mode=ro: the file is opened read-only, so nothing here can change the source.
        self.connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        self.connection.text_factory = bytes  # decoded per value, so bad UTF-8 skips one row only

    @staticmethod
    def _quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def table_names(self) -> list[str]:
        rows = self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return [row[0].decode() for row in rows]

    def columns(self, table: str) -> list[str]:
        rows = self.connection.execute(f"PRAGMA table_info({self._quote(table)})").fetchall()
        return [row[1].decode() for row in rows]

    def page(self, table: str, columns: list[str], *, after: Any, limit: int) -> list[tuple[Any, ...]]:
        selected = ", ".join(self._quote(column) for column in columns)
        sql = f"SELECT {selected} FROM {self._quote(table)}"  # noqa: S608  (quoted identifiers)
        parameters: list[Any] = []
        # Values come back as bytes (text_factory), and SQLite sorts a bytes parameter (BLOB) after
        # every TEXT value: compare and order the id as BLOB on both sides (memcmp order).
        if after is not None:
            sql += ' WHERE CAST("id" AS BLOB) > ?'
            parameters.append(after)
        sql += ' ORDER BY CAST("id" AS BLOB) LIMIT ?'
        parameters.append(limit)
        return self.connection.execute(sql, parameters).fetchall()

    def close(self) -> None:
        self.connection.close()


class MysqlSource(Source):
    def __init__(self, url: str) -> None:
        import MySQLdb

        settings_dict = mysql_settings_from_url(url, option_name="--from", require_database=True)
        where = f"{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 3306}/{settings_dict['NAME']}"
        self.label = f"mysql://{where}"
        try:
            self.connection = mysql_connect(settings_dict=settings_dict, autocommit=False)
            with self.connection.cursor() as cursor:
                # One consistent, read-only snapshot of all four tables: the server refuses any
                # write in this transaction.
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
        except MySQLdb.OperationalError as error:
            detail = str(error.args[1] if len(error.args) > 1 else error)
            password = settings_dict.get("PASSWORD") or ""
            if password:
                detail = detail.replace(password, "••••")
            raise OperationError(f"Cannot read the old database at {where}: {detail}") from None

    def _query(self, sql: str, parameters: Any = None) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return list(cursor.fetchall())

    def table_names(self) -> list[str]:
        return [row[0] for row in self._query("SHOW TABLES")]

    def columns(self, table: str) -> list[str]:
        return [row[0] for row in self._query(f"SHOW COLUMNS FROM {quote_identifier(table)}")]

    def page(self, table: str, columns: list[str], *, after: Any, limit: int) -> list[tuple[Any, ...]]:
        selected = ", ".join(quote_identifier(column) for column in columns)
        sql = f"SELECT {selected} FROM {quote_identifier(table)}"  # noqa: S608  (quoted identifiers)
        parameters: list[Any] = []
        if after is not None:
            sql += " WHERE `id` > %s"
            parameters.append(after)
        sql += " ORDER BY `id` LIMIT %s"
        parameters.append(limit)
        return self._query(sql, parameters)

    def close(self) -> None:
        self.connection.rollback()
        self.connection.close()


def open_source(source: str) -> Source:
    try:
        scheme = urlsplit(source).scheme.lower()
    except ValueError:
        # The parser's message quotes what it could not read, possibly part of the password.
        raise OperationError(INVALID_URL.replace("DATABASE_URL", "--from")) from None
    if scheme in MYSQL_SCHEMES:
        return MysqlSource(source)
    if scheme == "sqlite":
        return SqliteSource(Path(environ.Env.db_url_config(source)["NAME"]))
    return SqliteSource(Path(source))
