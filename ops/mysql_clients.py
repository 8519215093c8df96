"""MySQL/MariaDB client programs and direct server connections for the operator commands.

Owns: finding ``mysqldump``/``mysql`` (or their ``mariadb-*`` names) and saying which package
provides them, writing credentials to a private temporary option file (mode 0600, removed
afterwards) so they never appear on a command line where ``ps`` shows them, parsing
administrative/source URLs, and opening MySQLdb connections outside Django's connection
handling. Must not print or log passwords.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from connector.dbconfig import INVALID_URL, MYSQL_SCHEMES, database_config_from_url
from ops.errors import ClientProgramMissing, OperationError

PACKAGE_HINT = (
    "Install the MySQL client programs: `apt-get install mariadb-client` (Debian/Ubuntu; "
    "`mysql-client` also works), `dnf install mariadb` (Fedora/RHEL) or `brew install mysql-client` (macOS)."
)
PROGRAM_NAMES = {
    # kind -> (MySQL name, MariaDB name)
    "dump": ("mysqldump", "mariadb-dump"),
    "client": ("mysql", "mariadb"),
}
MARIADB_SSL_FLAGS = {
    # MariaDB's client programs have no --ssl-mode; these are their equivalents.
    "DISABLED": ["skip-ssl"],
    "PREFERRED": [],
    "REQUIRED": ["ssl"],
    "VERIFY_CA": ["ssl", "ssl-verify-server-cert"],
    "VERIFY_IDENTITY": ["ssl", "ssl-verify-server-cert"],
}
SSL_FILE_KEYS = {"ca": "ssl-ca", "cert": "ssl-cert", "key": "ssl-key", "capath": "ssl-capath", "cipher": "ssl-cipher"}


@dataclass(frozen=True)
class ClientProgram:
    path: str
    is_mariadb: bool


def server_version_parse(version: str) -> tuple[bool, tuple[int, ...]]:
    """Return (is MariaDB, numeric version) for a ``SELECT VERSION()`` string."""
    is_mariadb = "mariadb" in version.lower()
    numbers = tuple(int(part) for part in version.split("-")[0].split(".")[:3] if part.isdigit())
    return is_mariadb, numbers


def client_program_find(*, kind: str, prefer_mariadb: bool) -> ClientProgram:
    """Locate the dump (``kind="dump"``) or SQL client (``kind="client"``) program on PATH.

    Prefers the server flavour's own program; raises ClientProgramMissing naming the package.
    """
    mysql_name, mariadb_name = PROGRAM_NAMES[kind]
    names = (mariadb_name, mysql_name) if prefer_mariadb else (mysql_name, mariadb_name)
    for name in names:
        path = shutil.which(name)
        if path:
            return ClientProgram(path=path, is_mariadb=_program_is_mariadb(path))
    raise ClientProgramMissing(f"`{mysql_name}` (or `{mariadb_name}`) is not installed or not on PATH. {PACKAGE_HINT}")


def _program_is_mariadb(path: str) -> bool:
    try:
        result = subprocess.run(  # noqa: S603  (a program found on PATH, fixed arguments)
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as error:
        raise ClientProgramMissing(f"`{path}` cannot be run ({error.strerror}). {PACKAGE_HINT}") from error
    return "mariadb" in (result.stdout + result.stderr).lower()


def _option_value(value: str) -> str:
    # Option files strip spaces and treat '#' as a comment unless the value is quoted; inside
    # quotes the reader understands these backslash escapes (mysys/my_default.c).
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


def _option_lines(settings_dict: dict[str, Any], *, mariadb_client: bool) -> list[str]:
    options = settings_dict.get("OPTIONS") or {}
    lines = ["[client]", "default-character-set=utf8mb4"]
    if settings_dict.get("USER"):
        lines.append(f"user={_option_value(str(settings_dict['USER']))}")
    if settings_dict.get("PASSWORD"):
        lines.append(f"password={_option_value(str(settings_dict['PASSWORD']))}")
    host = str(settings_dict.get("HOST") or "")
    if host.startswith("/"):
        lines.append(f"socket={_option_value(host)}")
    elif host:
        lines.append(f"host={_option_value(host)}")
    if settings_dict.get("PORT"):
        lines.append(f"port={int(settings_dict['PORT'])}")
    ssl_mode = str(options.get("ssl_mode") or "").upper()
    ssl_files = options.get("ssl") or {}
    if mariadb_client:
        flags = MARIADB_SSL_FLAGS.get(ssl_mode, ["ssl"] if ssl_files else [])
        lines.extend(flags)
    elif ssl_mode:
        lines.append(f"ssl-mode={ssl_mode}")
    for key, option in SSL_FILE_KEYS.items():
        if ssl_files.get(key):
            lines.append(f"{option}={_option_value(str(ssl_files[key]))}")
    return lines


@contextmanager
def credentials_file(*, settings_dict: dict[str, Any], mariadb_client: bool) -> Iterator[str]:
    """Yield the path of a private option file holding the connection's credentials.

    The file is created with mode 0600 and deleted when the block ends, whatever happens.
    Pass it as the FIRST argument: ``--defaults-file=PATH`` (no other option file is read).
    """
    descriptor, path = tempfile.mkstemp(prefix="connector-", suffix=".cnf")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(_option_lines(settings_dict, mariadb_client=mariadb_client)) + "\n")
        yield path
    finally:
        with suppress(FileNotFoundError):
            os.unlink(path)


def mysql_settings_from_url(url: str, *, option_name: str, require_database: bool) -> dict[str, Any]:
    """Parse a ``mysql://`` URL (same options as DATABASE_URL) into a Django-style settings dict.

    Raises OperationError naming ``option_name`` when the URL is not usable. Without
    ``require_database`` the database part may be left out (NAME is then empty).
    """
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        # The parser's message quotes what it could not read, possibly part of the password.
        raise OperationError(INVALID_URL.replace("DATABASE_URL", option_name)) from None
    if parts.scheme.lower() not in MYSQL_SCHEMES:
        raise OperationError(f"{option_name} must be a mysql://user:password@host:3306 URL.")
    has_database = bool(parts.path.strip("/"))
    if require_database and not has_database:
        raise OperationError(f"{option_name} must name a database: mysql://user:password@host:3306/DATABASE")
    parseable = url if has_database else urlunsplit(parts._replace(path="/_"))
    try:
        config = database_config_from_url(parseable, conn_max_age=0)
    except ImproperlyConfigured as error:
        raise OperationError(str(error).replace("DATABASE_URL", option_name)) from None
    if not has_database:
        config["NAME"] = ""
    return config


def mysql_connect(*, settings_dict: dict[str, Any], database: str | None = None, autocommit: bool = True) -> Any:
    """Open a MySQLdb connection (utf8mb4) from a Django-style settings dict.

    ``database=None`` uses the dict's NAME; ``""`` connects without selecting one.
    Raises MySQLdb.OperationalError like the driver does.
    """
    import MySQLdb

    options = settings_dict.get("OPTIONS") or {}
    kwargs: dict[str, Any] = {
        "user": settings_dict.get("USER") or "",
        "password": settings_dict.get("PASSWORD") or "",
        "charset": "utf8mb4",
        "connect_timeout": int(options.get("connect_timeout") or 10),
        "autocommit": autocommit,
    }
    name = settings_dict.get("NAME") if database is None else database
    if name:
        kwargs["database"] = name
    host = str(settings_dict.get("HOST") or "")
    if host.startswith("/"):
        kwargs["unix_socket"] = host
    elif host:
        kwargs["host"] = host
    if settings_dict.get("PORT"):
        kwargs["port"] = int(settings_dict["PORT"])
    for key in ("ssl_mode", "ssl", "read_timeout", "write_timeout"):
        if options.get(key):
            kwargs[key] = options[key]
    return MySQLdb.connect(**kwargs)


def quote_identifier(name: str) -> str:
    """Quote a MySQL identifier (database or table name) with backticks."""
    return "`" + name.replace("`", "``") + "`"
