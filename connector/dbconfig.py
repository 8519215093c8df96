"""Turn a ``DATABASE_URL`` into a Django ``DATABASES`` entry.

Owns: URL parsing, the MySQL connection options the product requires (utf8mb4, strict SQL
mode, READ COMMITTED, SSL options) and the SQLite defaults. Must not open connections: it runs
while settings load.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

MYSQL_SCHEMES = {"mysql", "mysql2", "mariadb"}
SQLITE_SCHEMES = {"sqlite"}

# URL query options (MySQL client spelling, dash or underscore) -> mysqlclient keyword.
SSL_FILE_OPTIONS = {
    "ssl-ca": "ca",
    "ssl-cert": "cert",
    "ssl-key": "key",
    "ssl-capath": "capath",
    "ssl-cipher": "cipher",
}
SSL_MODES = {"DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"}
SSL_MODES_THAT_REQUIRE_TLS = {"REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"}
PASSTHROUGH_INT_OPTIONS = {
    "connect-timeout": "connect_timeout",
    "read-timeout": "read_timeout",
    "write-timeout": "write_timeout",
}

MYSQL_SQL_MODE = "STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

# The URL parser's own errors quote the part they could not read, which is often a piece of the
# password (`/`, `#`, `?` or `@` in it ends the user:password part early), so they are never shown.
INVALID_URL = (
    "DATABASE_URL is not a valid URL; percent-encode special characters such as / # ? @ in the user "
    "name and password (@ is %40, / is %2F, # is %23, ? is %3F)."
)
INVALID_HOST_OR_PORT = (
    "DATABASE_URL has an invalid host or port; percent-encode special characters such as / # ? @ in the "
    "user name and password (@ is %40, / is %2F, # is %23, ? is %3F)."
)


def _normalise_option_name(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def database_config_from_url(url: str, *, conn_max_age: int = 60) -> dict[str, Any]:
    """Return a ``DATABASES['default']`` dict for ``url``.

    Raises ImproperlyConfigured with a one-line, fix-oriented message for unsupported schemes,
    unknown options and malformed values.
    """
    url = (url or "").strip()
    if not url:
        raise ImproperlyConfigured("DATABASE_URL is empty: unset it for SQLite or give mysql://user:pass@host:3306/db")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ImproperlyConfigured(INVALID_URL) from None
    scheme = parts.scheme.lower()
    if scheme in SQLITE_SCHEMES:
        return _sqlite_config(url)
    if scheme in MYSQL_SCHEMES:
        return _mysql_config(url, parts, conn_max_age=conn_max_age)
    shown = scheme or "(none)"
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme '{shown}' is not supported: use mysql://user:pass@host:3306/db "
        "(MySQL 8.0.11+ / MariaDB 10.6+) or sqlite:///path/to/db.sqlite3"
    )


def _sqlite_config(url: str) -> dict[str, Any]:
    config: dict[str, Any] = environ.Env.db_url_config(url)
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL for SQLite needs a file path: sqlite:////absolute/path/db.sqlite3")
    config["OPTIONS"] = {
        # WAL lets the web process read while the task worker writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    config["ATOMIC_REQUESTS"] = False
    return config


def _mysql_config(url: str, parts: SplitResult, *, conn_max_age: int) -> dict[str, Any]:
    name, port = _mysql_location(url, parts)
    # django-environ decodes user, password and host (percent-encoding) for us; the query is
    # handled by _mysql_options because mysqlclient needs different keywords than the URL spelling.
    base = environ.Env.db_url_config(url.split("?", 1)[0].replace(f"{parts.scheme}://", "mysql://", 1))
    return {
        "ENGINE": "django.db.backends.mysql",
        "NAME": name,
        "USER": base.get("USER", ""),
        "PASSWORD": base.get("PASSWORD", ""),
        "HOST": base.get("HOST", ""),
        "PORT": str(port or ""),
        "OPTIONS": _mysql_options(parts.query),
        "CONN_MAX_AGE": conn_max_age,
        "CONN_HEALTH_CHECKS": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
    }


def _mysql_location(url: str, parts: SplitResult) -> tuple[str, int | None]:
    """The database name and port; ImproperlyConfigured when the URL does not name exactly one."""
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(INVALID_HOST_OR_PORT) from None
    # An '@' after the host part, or a '#' anywhere, means the password ended early at a special
    # character: the rest of it would otherwise be read as the database name or an option.
    if "@" in parts.path or "@" in parts.query or "#" in url:
        raise ImproperlyConfigured(INVALID_HOST_OR_PORT)
    name = parts.path.lstrip("/")
    if not name or "/" in name:
        raise ImproperlyConfigured("DATABASE_URL must name one database: mysql://user:pass@host:3306/DATABASE_NAME")
    if not parts.hostname:
        raise ImproperlyConfigured("DATABASE_URL must name a host: mysql://user:pass@HOST:3306/db")
    return name, port


def _mysql_options(query: str) -> dict[str, Any]:
    """mysqlclient's connection options: the product's fixed ones plus the URL's SSL and timeouts."""
    options: dict[str, Any] = {
        "charset": "utf8mb4",
        "init_command": f"SET sql_mode='{MYSQL_SQL_MODE}'",
        "isolation_level": "read committed",
    }
    ssl: dict[str, str] = {}
    ssl_mode = ""
    for raw_key, value in parse_qsl(query, keep_blank_values=True):
        key = _normalise_option_name(raw_key)
        if key in ("ssl-mode", "sslmode"):
            ssl_mode = value.strip().upper()
            if ssl_mode not in SSL_MODES:
                allowed = ", ".join(sorted(SSL_MODES))
                raise ImproperlyConfigured(f"DATABASE_URL ssl-mode '{value}' is not one of {allowed}.")
        elif key in SSL_FILE_OPTIONS:
            if not value:
                raise ImproperlyConfigured(f"DATABASE_URL option {raw_key} needs a value.")
            if key != "ssl-cipher" and not os.path.exists(value):
                raise ImproperlyConfigured(f"DATABASE_URL option {raw_key}: file {value} does not exist.")
            ssl[SSL_FILE_OPTIONS[key]] = value
        elif key in PASSTHROUGH_INT_OPTIONS:
            if not value.isdigit():
                raise ImproperlyConfigured(f"DATABASE_URL option {raw_key} must be a number of seconds.")
            options[PASSTHROUGH_INT_OPTIONS[key]] = int(value)
        elif key == "charset":
            if value.lower() != "utf8mb4":
                raise ImproperlyConfigured("DATABASE_URL charset must be utf8mb4 (or left out).")
        else:
            raise ImproperlyConfigured(
                f"DATABASE_URL option '{raw_key}' is not supported; use ssl-mode, ssl-ca, ssl-cert, "
                "ssl-key, ssl-capath, ssl-cipher, connect-timeout, read-timeout or write-timeout."
            )
    if ssl_mode:
        options["ssl_mode"] = ssl_mode
    if ssl:
        options["ssl"] = ssl
    options.setdefault("connect_timeout", 10)
    return options


def requires_tls(config: dict[str, Any]) -> bool:
    """Tell whether the parsed configuration demands an encrypted connection."""
    options = config.get("OPTIONS", {})
    return options.get("ssl_mode") in SSL_MODES_THAT_REQUIRE_TLS or bool(
        options.get("ssl") and options.get("ssl_mode") not in ("DISABLED", "PREFERRED")
    )
