"""Plain-language explanations for database connection errors.

Owns: the mapping from MySQL/MariaDB client error codes to a one-line message with a fix and
the README troubleshooting entry. Must not print or log passwords.
"""

from __future__ import annotations

from typing import Any

# MySQL client/server error codes (mysqld_error.h, errmsg.h).
CONNECTION_REFUSED = {2002, 2003}
UNKNOWN_HOST = {2005}
ACCESS_DENIED = {1044, 1045, 1698}
UNKNOWN_DATABASE = {1049}
MISSING_TABLE = {1146}
TLS_ERRORS = {2026}
SERVER_GONE = {2006, 2013}
DEADLOCK = {1213}


def is_deadlock(error: BaseException) -> bool:
    """Whether the server rolled the transaction back to break a deadlock (safe to run again)."""
    return _error_code(error) in DEADLOCK


def _error_code(error: BaseException) -> int | None:
    args = getattr(error, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    cause = error.__cause__
    if cause is not None and cause is not error:
        return _error_code(cause)
    return None


def describe_database_error(error: BaseException, settings_dict: dict[str, Any]) -> str | None:
    """Return a one-line, fix-oriented description of ``error``, or None when unknown."""
    code = _error_code(error)
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or "3306"
    user = settings_dict.get("USER") or "(none)"
    name = settings_dict.get("NAME")
    if code in CONNECTION_REFUSED:
        return (
            f"Cannot connect to the database server at {host}:{port} (connection refused). "
            "Start MySQL/MariaDB or fix the host/port in DATABASE_URL. "
            "See docs/operations.md › Troubleshooting › Connection refused."
        )
    if code in UNKNOWN_HOST:
        return f"Unknown database host '{host}'. Fix the host in DATABASE_URL."
    if code in ACCESS_DENIED:
        return (
            f"The database server refused user '{user}' (wrong password, or no privileges on '{name}'). "
            "Fix the user/password in DATABASE_URL or grant privileges. "
            "See docs/operations.md › Troubleshooting › Access denied."
        )
    if code in UNKNOWN_DATABASE:
        return (
            f"Database '{name}' does not exist on {host}:{port}. Create it with utf8mb4 "
            "(`manage.py dbcreate`) or fix the name in DATABASE_URL. "
            "See docs/operations.md › Troubleshooting › Unknown database."
        )
    if code in MISSING_TABLE:
        return (
            "A table is missing: the database is not migrated. Run `python manage.py migrate`. "
            "See docs/operations.md › Troubleshooting › Table does not exist."
        )
    if code in TLS_ERRORS:
        return (
            "The TLS connection to the database failed: check ssl-mode/ssl-ca in DATABASE_URL "
            "and that the server has TLS enabled."
        )
    if code in SERVER_GONE:
        return f"The database server at {host}:{port} closed the connection. Check that it is running and reachable."
    return None
