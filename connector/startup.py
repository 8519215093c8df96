"""Process start-up: turn configuration and connection failures into one-line errors.

Owns: the wrapper around Django's command-line entry point and the WSGI/ASGI loaders. Must not
swallow errors it cannot explain (they re-raise with their traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from django.core.exceptions import ImproperlyConfigured


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(1)


def _explain_database_error(error: BaseException) -> str | None:
    from django.conf import settings

    from connector.db_errors import describe_database_error

    return describe_database_error(error, settings.DATABASES.get("default", {}))


def run_management_command(argv: list[str]) -> None:
    """Run ``manage.py`` with one-line errors for bad configuration or an unreachable database."""
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    show_traceback = "--traceback" in argv or os.environ.get("CONNECTOR_TRACEBACK") == "1"
    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018  (loads and validates the settings now)
    except ImproperlyConfigured as error:
        _fail(str(error))
    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        if show_traceback:
            raise
        _fail(str(error))
    except OperationalError as error:
        message = _explain_database_error(error)
        if message is None or show_traceback:
            raise
        _fail(message)


# gunicorn's APP_LOAD_ERROR: its master stops with "App failed to load." instead of starting
# the worker again and again (after any other exit status it does).
APP_LOAD_ERROR = 4


def load_application(loader: Callable[[], Any]) -> Any:
    """Build the WSGI/ASGI application, exiting with one line when settings are invalid."""
    try:
        return loader()
    except ImproperlyConfigured as error:
        sys.stderr.write(f"error: {error}\n")
        raise SystemExit(APP_LOAD_ERROR) from None
