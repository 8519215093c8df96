"""Restoring backups for ``manage.py restore``.

Owns: validating a backup file completely before the database is touched (gzip integrity,
the kind of file, mysqldump's completion marker, the dump's charset, SQLite integrity),
refusing to replace a non-empty database without confirmation, loading the file (``mysql``
client with a private option file; SQLite online backup API), and verifying the result (rows
per table against the file, then ``dbcheck``). Must not put credentials on a command line or
touch the database when the file is bad.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from ops.backup import CHUNK_BYTES, DUMP_COMPLETED
from ops.dbcheck import CheckReport, database_check
from ops.errors import BackupFileInvalid, OperationError
from ops.mysql_clients import (
    client_program_find,
    credentials_file,
    quote_identifier,
    server_version_parse,
)

GZIP_MAGIC = b"\x1f\x8b"
SQLITE_MAGIC = b"SQLite format 3\x00"
DUMP_HEADERS = (b"-- MySQL dump", b"-- MariaDB dump")
HEADER_LINES = 5
# A quoted string in mysqldump output: backslash escapes, no raw quotes inside.
SQL_STRING = re.compile(rb"'[^'\\]*(?:\\.[^'\\]*)*'", re.DOTALL)
INSERT_INTO = re.compile(rb"INSERT INTO `((?:[^`]|``)+)`")
CREATE_TABLE = re.compile(rb"CREATE TABLE `((?:[^`]|``)+)`")
SET_NAMES = re.compile(rb"SET NAMES (\w+)")


@dataclass
class BackupFileInfo:
    path: Path
    kind: str  # "mysql" | "sqlite"
    compressed: bool
    uncompressed_bytes: int
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class RestoreSummary:
    info: BackupFileInfo
    replaced_tables: int
    seconds: float
    mismatches: list[str]
    check: CheckReport

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.check.ok


def _open(path: Path) -> tuple[BinaryIO, bool]:
    raw = path.open("rb")
    compressed = raw.read(2) == GZIP_MAGIC
    raw.seek(0)
    return raw, compressed


def _chunks(path: Path) -> Iterator[bytes]:
    """Yield the file's content, decompressed; raise BackupFileInvalid on damaged gzip data."""
    raw, compressed = _open(path)
    with raw:
        if not compressed:
            while chunk := raw.read(CHUNK_BYTES):
                yield chunk
            return
        # zlib rather than the gzip module: every error (bad CRC, truncation, garbage) is caught
        # here, and concatenated members are accepted like gzip(1) does.
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while chunk := raw.read(CHUNK_BYTES):
                while chunk:
                    yield decompressor.decompress(chunk)
                    chunk = decompressor.unused_data
                    if chunk:
                        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
            tail = decompressor.flush()
            if tail:
                yield tail
        except zlib.error as error:
            raise BackupFileInvalid(
                f"{path.name} is corrupt (gzip data damaged: {error}). Nothing was restored."
            ) from None
        if not decompressor.eof:
            raise BackupFileInvalid(f"{path.name} is truncated (the gzip stream ends early). Nothing was restored.")


def _lines(path: Path) -> Iterator[bytes]:
    pending = b""
    for chunk in _chunks(path):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        yield from complete
    if pending:
        yield pending


def _unquote(name: bytes) -> str:
    return name.replace(b"``", b"`").decode("utf-8")


def _count_tuples(fragment: bytes) -> tuple[int, bool]:
    """Rows opened in a piece of an INSERT's VALUES list, and whether the statement ends there.

    String literals are removed first (they may contain brackets or semicolons); what remains
    of a mysqldump VALUES list is numbers, NULL, 0x… and the brackets of each row.
    """
    bare = SQL_STRING.sub(b"''", fragment)
    return bare.count(b"("), bare.rstrip().endswith(b";")


def backup_file_validate(*, path: Path) -> BackupFileInfo:
    """Read the whole file and describe it; raise BackupFileInvalid when it is not restorable.

    Checks: readable, gzip intact (CRC and length) when compressed, a mysqldump/MariaDB dump
    header and its final '-- Dump completed' line, utf8mb4, or an intact SQLite database.
    """
    if not path.is_file():
        raise BackupFileInvalid(f"{path} does not exist or is not a file.")
    raw, compressed = _open(path)
    with raw:
        if not raw.read(1):
            raise BackupFileInvalid(f"{path.name} is empty. Nothing was restored.")
    head = b""
    for chunk in _chunks(path):
        head += chunk
        if len(head) >= 4096:
            break
    if head.startswith(SQLITE_MAGIC):
        return _validate_sqlite(path, compressed=compressed)
    first_lines = head.split(b"\n")[:HEADER_LINES]
    if not any(line.startswith(header) for line in first_lines for header in DUMP_HEADERS):
        raise BackupFileInvalid(
            f"{path.name} is neither a mysqldump/MariaDB dump nor an SQLite database. Nothing was restored."
        )
    return _validate_dump(path, compressed=compressed)


def _validate_dump(path: Path, *, compressed: bool) -> BackupFileInfo:
    info = BackupFileInfo(path=path, kind="mysql", compressed=compressed, uncompressed_bytes=0)
    last = b""
    charset = None
    inserting: str | None = None  # table of the INSERT statement being read
    for line in _lines(path):
        info.uncompressed_bytes += len(line) + 1
        if inserting is None and line.startswith(b"INSERT INTO `"):
            match = INSERT_INTO.match(line)
            values_at = line.find(b" VALUES")
            if match and values_at > 0:
                inserting = _unquote(match.group(1))
                line_rows, ended = _count_tuples(line[values_at + len(b" VALUES") :])
                info.rows[inserting] = info.rows.get(inserting, 0) + line_rows
                if ended:
                    inserting = None
        elif inserting is not None:
            # MariaDB 10.11+ writes one row per line after "INSERT INTO `t` VALUES". Newlines inside
            # strings are escaped, so such a line ("(…)," or "(…);") is exactly one row.
            stripped = line.rstrip()
            if stripped.startswith(b"(") and stripped[-2:] in (b"),", b");"):
                info.rows[inserting] += 1
                ended = stripped.endswith(b";")
            else:
                line_rows, ended = _count_tuples(line)
                info.rows[inserting] += line_rows
            if ended:
                inserting = None
        elif line.startswith(b"CREATE TABLE `"):
            match = CREATE_TABLE.match(line)
            if match:
                info.rows.setdefault(_unquote(match.group(1)), 0)
        elif charset is None and b"SET NAMES" in line:
            match = SET_NAMES.search(line)
            charset = match.group(1).decode() if match else None
        if line.strip():
            last = line
    if not last.startswith(DUMP_COMPLETED):
        raise BackupFileInvalid(
            f"{path.name} is incomplete: it does not end with mysqldump's '-- Dump completed' line "
            "(the dump was interrupted or the file was cut). Nothing was restored."
        )
    if charset and charset != "utf8mb4":
        raise BackupFileInvalid(
            f"{path.name} was dumped with character set {charset}: emoji would be lost. "
            "Dump again with --default-character-set=utf8mb4 (`manage.py backup` does). Nothing was restored."
        )
    return info


@contextlib.contextmanager
def _sqlite_copy(path: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / "restore.sqlite3"
        with copy.open("wb") as handle:
            for chunk in _chunks(path):
                handle.write(chunk)
        yield copy


def _validate_sqlite(path: Path, *, compressed: bool) -> BackupFileInfo:
    with _sqlite_copy(path) as copy:
        info = BackupFileInfo(path=path, kind="sqlite", compressed=compressed, uncompressed_bytes=copy.stat().st_size)
        try:
            database = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            try:
                (result,) = database.execute("PRAGMA integrity_check").fetchone()
                if result != "ok":
                    raise BackupFileInvalid(
                        f"{path.name} is a damaged SQLite database ({result}). Nothing was restored."
                    )
                tables = [
                    name
                    for (name,) in database.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                    )
                ]
                for table in tables:
                    quoted = '"' + table.replace('"', '""') + '"'
                    (info.rows[table],) = database.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()  # noqa: S608
            finally:
                database.close()
        except sqlite3.DatabaseError as error:
            raise BackupFileInvalid(
                f"{path.name} is a damaged SQLite database ({error}). Nothing was restored."
            ) from None
    return info


def _existing_tables(connection: Any) -> list[tuple[str, str]]:
    """(name, 'BASE TABLE' | 'VIEW') of everything in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":
            cursor.execute(
                "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                "ORDER BY TABLE_NAME"
            )
        else:
            cursor.execute(
                "SELECT name, CASE type WHEN 'view' THEN 'VIEW' ELSE 'BASE TABLE' END FROM sqlite_master "
                "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        return [(name, kind) for name, kind in cursor.fetchall()]


def database_restore(*, path: Path, alias: str = DEFAULT_DB_ALIAS, replace: bool = False) -> RestoreSummary:
    """Load the backup ``path`` into ``alias`` after validating all of it, then verify.

    A database that already has tables is refused unless ``replace`` (its tables and views are
    then dropped first, so the result is exactly the backup). Raises BackupFileInvalid before
    any change when the file is bad, OperationError for a refused or failed restore.
    """
    connection = connections[alias]
    if connection.in_atomic_block:
        raise OperationError("restore cannot run inside a transaction.")
    started = time.perf_counter()
    info = backup_file_validate(path=path)
    if info.kind != connection.vendor:
        wanted = "a mysqldump file" if connection.vendor == "mysql" else "an SQLite backup"
        raise BackupFileInvalid(
            f"{path.name} is {'a mysqldump file' if info.kind == 'mysql' else 'an SQLite backup'}, but the "
            f"configured database is {connection.vendor}: it needs {wanted}. Nothing was restored."
        )
    existing = _existing_tables(connection)
    if existing and not replace:
        raise OperationError(
            f"Database '{connection.settings_dict['NAME']}' is not empty ({len(existing)} tables). Restoring "
            "replaces everything in it: take a backup first, then rerun with --yes."
        )
    if connection.vendor == "mysql":
        _drop_mysql(connection, existing)
        _load_mysql(connection, path)
    else:
        _load_sqlite(connection, path)
    mismatches = _compare_rows(connection, info)
    return RestoreSummary(
        info=info,
        replaced_tables=len(existing),
        seconds=time.perf_counter() - started,
        mismatches=mismatches,
        check=database_check(alias=alias),
    )


def _drop_mysql(connection: Any, existing: list[tuple[str, str]]) -> None:
    if not existing:
        return
    views = [quote_identifier(name) for name, kind in existing if kind == "VIEW"]
    tables = [quote_identifier(name) for name, kind in existing if kind != "VIEW"]
    with connection.cursor() as cursor:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        try:
            if views:
                cursor.execute(f"DROP VIEW IF EXISTS {', '.join(views)}")
            if tables:
                cursor.execute(f"DROP TABLE IF EXISTS {', '.join(tables)}")
        finally:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")


def _load_mysql(connection: Any, path: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        (version,) = cursor.fetchone()
    program = client_program_find(kind="client", prefer_mariadb=server_version_parse(version)[0])
    settings_dict = connection.settings_dict
    with (
        credentials_file(settings_dict=settings_dict, mariadb_client=program.is_mariadb) as defaults,
        tempfile.TemporaryFile() as errors,
    ):
        arguments = [
            program.path,
            f"--defaults-file={defaults}",  # must come first; no other option file is read
            "--default-character-set=utf8mb4",
            "--max-allowed-packet=1073741824",  # the client's own limit; the server's still applies
            settings_dict["NAME"],
        ]
        process = subprocess.Popen(  # noqa: S603
            arguments, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
        )
        assert process.stdin is not None  # noqa: S101  (PIPE was requested)
        try:
            for chunk in _chunks(path):
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # the client stopped on an error; its message is read below
        finally:
            returncode = process.wait()
        if returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip().splitlines()
            shown = " / ".join(message[-3:]) or f"exit status {returncode}"
            raise OperationError(
                f"The restore stopped: {shown}. The database is only partly restored: fix the cause and run "
                "restore again with --yes."
            )


def _load_sqlite(connection: Any, path: Path) -> None:
    connection.ensure_connection()
    with _sqlite_copy(path) as copy:
        source = sqlite3.connect(copy)
        try:
            # The backup API replaces the whole destination database, schema included.
            source.backup(connection.connection)
        finally:
            source.close()


def _compare_rows(connection: Any, info: BackupFileInfo) -> list[str]:
    mismatches = []
    with connection.cursor() as cursor:
        for table, expected in sorted(info.rows.items()):
            try:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                (actual,) = cursor.fetchone()
            except DatabaseError as error:
                mismatches.append(f"{table}: cannot be read after the restore ({type(error).__name__})")
                continue
            if actual != expected:
                mismatches.append(f"{table}: {actual} rows, the backup has {expected}")
    return mismatches
