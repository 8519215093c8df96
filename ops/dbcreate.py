"""Creating the app's MySQL database and user for ``manage.py dbcreate``.

Owns: creating the database named in DATABASE_URL with utf8mb4 / utf8mb4_unicode_ci, the
application user, and a grant limited to that one database, through an administrative
connection. Idempotent. Must not print, log or put in an error message any password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from connector.checks import REQUIRED_CHARSET, REQUIRED_COLLATION
from connector.db_errors import ACCESS_DENIED, CONNECTION_REFUSED, UNKNOWN_HOST
from ops.errors import OperationError
from ops.mysql_clients import mysql_connect, mysql_settings_from_url, quote_identifier

MASK = "••••"


@dataclass
class CreateSummary:
    database: str
    database_action: str  # "created" | "exists" | "default charset changed from …"
    account: str  # 'user'@'host', or "" when no user is managed
    user_action: str  # "created" | "exists" | "password reset" | why it was left alone
    grant: str


def _scrub(message: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            message = message.replace(secret, MASK)
    return message


def _admin_connect(admin: dict[str, Any]) -> Any:
    import MySQLdb

    where = f"{admin.get('HOST') or 'localhost'}:{admin.get('PORT') or 3306}"
    try:
        return mysql_connect(settings_dict=admin, database="")
    except MySQLdb.OperationalError as error:
        code = error.args[0] if error.args else None
        if code in ACCESS_DENIED:
            raise OperationError(
                f"The server at {where} refused the administrative user '{admin.get('USER') or ''}' of --admin-url "
                "(wrong password, or not allowed from this host). Fix --admin-url; nothing was changed."
            ) from None
        if code in CONNECTION_REFUSED or code in UNKNOWN_HOST:
            raise OperationError(
                f"Cannot connect to {where} from --admin-url (server not running or wrong host/port). "
                "See docs/operations.md › Troubleshooting › Connection refused."
            ) from None
        detail = _scrub(str(error.args[1] if len(error.args) > 1 else error), [admin.get("PASSWORD") or ""])
        raise OperationError(f"Cannot connect with --admin-url: {detail}") from None


def _grant_pattern(cursor: Any, name: str) -> str:
    import MySQLdb

    # In GRANT, '_' and '%' in a database name are wildcards unless escaped; MySQL with
    # partial_revokes on treats them literally (MySQL 8.0 manual, "Privilege Restriction Using
    # Partial Revokes"), and MariaDB has no such variable.
    try:
        cursor.execute("SELECT @@GLOBAL.partial_revokes")
        (partial_revokes,) = cursor.fetchone()
    except MySQLdb.OperationalError:  # MariaDB: unknown system variable
        partial_revokes = 0
    if partial_revokes:
        return quote_identifier(name)
    return quote_identifier(name.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%"))


def database_create(
    *, admin_url: str, alias: str = DEFAULT_DB_ALIAS, user_host: str = "%", reset_password: bool = False
) -> CreateSummary:
    """Create DATABASE_URL's database (utf8mb4) and user, granting it that database only.

    Idempotent: an existing database or user is kept (an existing database whose default
    charset differs gets utf8mb4 as its default; existing tables are not converted). An
    existing user whose password differs from DATABASE_URL's is an error unless
    ``reset_password``. Raises OperationError with a message free of passwords.
    """
    import MySQLdb

    target = connections[alias].settings_dict
    if target["ENGINE"] != "django.db.backends.mysql":
        raise OperationError("dbcreate is for MySQL/MariaDB; SQLite creates its file on `manage.py migrate`.")
    admin = mysql_settings_from_url(admin_url, option_name="--admin-url", require_database=False)
    name = target["NAME"]
    user = target.get("USER") or ""
    password = target.get("PASSWORD") or ""
    secrets = [password, admin.get("PASSWORD") or ""]
    connection = _admin_connect(admin)
    try:
        with connection.cursor() as cursor:
            database_action = _ensure_database(cursor, name)
            if not user:
                return CreateSummary(name, database_action, "", "no user in DATABASE_URL", "")
            if user == admin.get("USER"):
                return CreateSummary(
                    name, database_action, "", f"DATABASE_URL uses the administrative user '{user}'; left alone", ""
                )
            user_action = _ensure_user(
                cursor, target=target, user=user, host=user_host, password=password, reset_password=reset_password
            )
            pattern = _grant_pattern(cursor, name)
            cursor.execute(f"GRANT ALL PRIVILEGES ON {pattern}.* TO %s@%s", (user, user_host))
    except MySQLdb.MySQLError as error:
        detail = _scrub(str(error.args[1] if len(error.args) > 1 else error), secrets)
        raise OperationError(f"dbcreate failed: {detail}") from None
    finally:
        connection.close()
    return CreateSummary(
        name, database_action, f"'{user}'@'{user_host}'", user_action, f"ALL PRIVILEGES ON {pattern}.*"
    )


def _ensure_database(cursor: Any, name: str) -> str:
    cursor.execute(
        "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
        "WHERE SCHEMA_NAME = %s",
        [name],
    )
    row = cursor.fetchone()
    spec = f"CHARACTER SET {REQUIRED_CHARSET} COLLATE {REQUIRED_COLLATION}"
    if row is None:
        cursor.execute(f"CREATE DATABASE {quote_identifier(name)} {spec}")
        return "created"
    if tuple(row) != (REQUIRED_CHARSET, REQUIRED_COLLATION):
        cursor.execute(f"ALTER DATABASE {quote_identifier(name)} {spec}")
        return f"default charset changed from {row[0]}/{row[1]} (existing tables unchanged: run dbcheck)"
    return "exists"


def _password_works(target: dict[str, Any], *, user: str, password: str) -> bool:
    import MySQLdb

    try:
        mysql_connect(settings_dict={**target, "USER": user, "PASSWORD": password}, database="").close()
    except MySQLdb.OperationalError as error:
        if error.args and error.args[0] in ACCESS_DENIED:
            return False
        raise
    return True


def _ensure_user(
    cursor: Any, *, target: dict[str, Any], user: str, host: str, password: str, reset_password: bool
) -> str:
    cursor.execute("SELECT COUNT(*) FROM mysql.user WHERE User = %s AND Host = %s", (user, host))
    (exists,) = cursor.fetchone()
    if not exists:
        cursor.execute("CREATE USER %s@%s IDENTIFIED BY %s", (user, host, password))
        return "created"
    if _password_works(target, user=user, password=password):
        return "exists"
    if not reset_password:
        raise OperationError(
            f"User '{user}'@'{host}' exists but DATABASE_URL's password does not log in. Rerun with "
            "--reset-password to set it to the one in DATABASE_URL, or fix DATABASE_URL."
        )
    cursor.execute("ALTER USER %s@%s IDENTIFIED BY %s", (user, host, password))
    return "password reset to DATABASE_URL's"
