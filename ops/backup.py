"""Taking backups for ``manage.py backup``.

Owns: writing a consistent copy of the database to a file (MySQL: ``mysqldump
--single-transaction`` with the credentials in a private option file; SQLite: the online backup
API), gzip by default, the ``backup_YYYYMMDD_HHMMSS`` names, and the optional upload to the
configured django-storages backend. A file only gets its final name once the dump completed.
Must not put credentials on a command line, print them, or leave a partial file behind.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sqlite3
import subprocess
import tempfile
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from ops.errors import OperationError
from ops.mysql_clients import (
    client_program_find,
    credentials_file,
    server_version_parse,
)

CHUNK_BYTES = 1024 * 1024
GZIP_LEVEL = 6  # gzip(1)'s default: the same speed/size trade-off as `mysqldump | gzip`
BLOCK_BYTES = 4 * 1024 * 1024  # per gzip member when compressing in parallel
DUMP_COMPLETED = b"-- Dump completed"
STORAGE_PREFIX = "backups/"


@dataclass
class BackupSummary:
    destination: str
    bytes_written: int
    seconds: float
    method: str
    uploaded_as: str = ""


class _CountingWriter:
    """Counts the bytes that reach the underlying binary stream."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        self.raw.flush()


class _GzipSink:
    """Gzip-compresses what is written; the trailer is written only by ``finish()``.

    A dump that fails half-way therefore never looks like a complete archive, even on stdout.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        # wbits 16 + 15: zlib writes the gzip header and trailer itself (RFC 1952).
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def write(self, data: bytes) -> int:
        compressed = self.compressor.compress(data)
        if compressed:
            self.raw.write(compressed)
        return len(data)

    def finish(self) -> None:
        self.raw.write(self.compressor.flush())


def _gzip_member(block: bytes) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(block) + compressor.flush()


class _ParallelGzipSink:
    """Compresses blocks as separate gzip members on worker threads, written in order (like pigz).

    zlib releases the GIL, so compression (the slowest step of a backup) uses every core.
    Concatenated members are one valid gzip file (RFC 1952 §2.2) that gunzip and `restore`
    read. Used for files only: a failed backup's file is deleted, whereas on stdout complete
    members of a partial dump would look like a finished archive.
    """

    def __init__(self, raw: Any, *, workers: int) -> None:
        self.raw = raw
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="backup-gzip")
        self.pending: deque[Future[bytes]] = deque()
        self.limit = workers * 2  # blocks in flight: bounds memory to a few blocks
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        while len(self.buffer) >= BLOCK_BYTES:
            block = bytes(self.buffer[:BLOCK_BYTES])
            del self.buffer[:BLOCK_BYTES]
            self._submit(block)
        return len(data)

    def _submit(self, block: bytes) -> None:
        self.pending.append(self.pool.submit(_gzip_member, block))
        while len(self.pending) > self.limit:
            self.raw.write(self.pending.popleft().result())

    def finish(self) -> None:
        if self.buffer or not self.pending:
            self._submit(bytes(self.buffer))
            self.buffer.clear()
        while self.pending:
            self.raw.write(self.pending.popleft().result())
        self.pool.shutdown()

    def abort(self) -> None:
        for future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)


def default_backup_directory() -> Path:
    """Where backups go when no --output is given: ``<project>/backups``."""
    return Path(settings.BASE_DIR) / "backups"


def backup_filename(*, vendor: str, compress: bool, now: datetime.datetime | None = None) -> str:
    """``backup_YYYYMMDD_HHMMSS.sql[.gz]`` (UTC); SQLite copies end in ``.sqlite3[.gz]``."""
    stamp = (now or datetime.datetime.now(tz=datetime.UTC)).strftime("%Y%m%d_%H%M%S")
    extension = ".sql" if vendor == "mysql" else ".sqlite3"
    return f"backup_{stamp}{extension}{'.gz' if compress else ''}"


def database_backup(
    *,
    alias: str = DEFAULT_DB_ALIAS,
    output: Path | None = None,
    stream: BinaryIO | None = None,
    compress: bool = True,
    upload: bool = False,
) -> BackupSummary:
    """Write a backup of ``alias`` to ``stream``, to the file ``output``, or into a directory.

    ``output`` may be a file path or an existing directory (default: ``backups/``); files are
    created with mode 0600 and renamed into place only when complete. ``upload`` also saves
    the file to the default storage under ``backups/``. Raises OperationError (missing client
    program, dump failure) and leaves no partial file.
    """
    connection = connections[alias]
    if connection.vendor not in ("mysql", "sqlite"):
        raise OperationError(f"backup supports MySQL/MariaDB and SQLite, not {connection.vendor}.")
    if stream is not None and upload:
        raise OperationError("--upload needs a file: give --output PATH (or none), not '-'.")
    started = time.perf_counter()
    writer = _dump_mysql if connection.vendor == "mysql" else _dump_sqlite
    if stream is not None:
        counter = _CountingWriter(stream)
        method = _write(writer, connection, counter, compress=compress, parallel=False)
        counter.flush()
        return BackupSummary("-", counter.count, time.perf_counter() - started, method)

    target = _target_path(output, vendor=connection.vendor, compress=compress)
    with _partial_file(target) as raw:
        method = _write(writer, connection, raw, compress=compress, parallel=True)
    summary = BackupSummary(str(target), target.stat().st_size, time.perf_counter() - started, method)
    if upload:
        summary.uploaded_as = _upload(target)
        summary.seconds = time.perf_counter() - started
    return summary


def _target_path(output: Path | None, *, vendor: str, compress: bool) -> Path:
    name = backup_filename(vendor=vendor, compress=compress)
    if output is None:
        directory = default_backup_directory()
        directory.mkdir(parents=True, exist_ok=True)
        return directory / name
    if output.is_dir():
        return output / name
    if not output.parent.is_dir():
        raise OperationError(f"Directory {output.parent} does not exist.")
    return output


@contextlib.contextmanager
def _partial_file(target: Path) -> Iterator[BinaryIO]:
    descriptor, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.fchmod(descriptor, 0o600)  # backups hold customer data and encrypted secrets
    try:
        with os.fdopen(descriptor, "wb") as raw:
            yield raw
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise


def _write(writer: Callable[[Any, Any], str], connection: Any, raw: Any, *, compress: bool, parallel: bool) -> str:
    if not compress:
        return writer(connection, raw)
    workers = os.cpu_count() or 1
    if not parallel or workers == 1:
        sink = _GzipSink(raw)
        method = writer(connection, sink)
        sink.finish()
        return f"{method} + gzip"
    parallel_sink = _ParallelGzipSink(raw, workers=workers)
    try:
        method = writer(connection, parallel_sink)
    except BaseException:
        parallel_sink.abort()
        raise
    parallel_sink.finish()
    return f"{method} + gzip on {workers} threads"


def _server_is_mariadb(connection: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        (version,) = cursor.fetchone()
    return server_version_parse(version)[0]


def _dump_mysql(connection: Any, sink: Any) -> str:
    server_is_mariadb = _server_is_mariadb(connection)
    program = client_program_find(kind="dump", prefer_mariadb=server_is_mariadb)
    settings_dict = connection.settings_dict
    with (
        credentials_file(settings_dict=settings_dict, mariadb_client=program.is_mariadb) as defaults,
        tempfile.TemporaryFile() as errors,
    ):
        arguments = [
            program.path,
            f"--defaults-file={defaults}",  # must come first; no other option file is read
            "--single-transaction",
            "--routines",
            "--triggers",
            "--default-character-set=utf8mb4",
            # Tablespace information needs the global PROCESS privilege, which the app user lacks.
            "--no-tablespaces",
            "--hex-blob",
        ]
        if not program.is_mariadb:
            arguments.append("--set-gtid-purged=OFF")  # a GTID line would need SUPER to restore
            if server_is_mariadb:
                arguments.append("--column-statistics=0")  # MariaDB has no column_statistics table
        arguments.append(settings_dict["NAME"])
        process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=errors)  # noqa: S603
        tail = b""
        try:
            assert process.stdout is not None  # noqa: S101  (PIPE was requested)
            while chunk := process.stdout.read(CHUNK_BYTES):
                sink.write(chunk)
                tail = (tail + chunk[-4096:])[-4096:]
            returncode = process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        if returncode != 0:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip().splitlines()
            shown = " / ".join(message[-3:]) or f"exit status {returncode}"
            raise OperationError(f"{Path(program.path).name} failed: {shown}")
        if DUMP_COMPLETED not in tail:
            raise OperationError(
                f"{Path(program.path).name} stopped before the end of the dump (no '-- Dump completed')."
            )
    flavour = "MariaDB" if program.is_mariadb else "MySQL"
    return f"{Path(program.path).name} ({flavour})"


def _dump_sqlite(connection: Any, sink: Any) -> str:
    connection.ensure_connection()
    with tempfile.TemporaryDirectory() as directory:
        copy_path = Path(directory) / "copy.sqlite3"
        copy = sqlite3.connect(copy_path)
        try:
            # The online backup API copies a consistent snapshot while the app keeps writing.
            connection.connection.backup(copy)
        finally:
            copy.close()
        with copy_path.open("rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                sink.write(chunk)
    return "SQLite online backup"


def _upload(path: Path) -> str:
    from django.core.files import File
    from django.core.files.storage import default_storage

    with path.open("rb") as handle:
        return default_storage.save(f"{STORAGE_PREFIX}{path.name}", File(handle, name=path.name))
