"""The development server's request log without query strings.

Owns: the ``django.server`` log filter that ``settings.LOGGING`` installs, which cuts the query
string from the request line ``manage.py runserver`` logs (``"GET /app/?id_token=… HTTP/1.1"``):
embedded page loads carry the session token, the OAuth callback its ``code`` and ``hmac``.
gunicorn's access log leaves them out by its format (connector/gunicorn.conf.py).
Must not: import Django models or settings (logging is configured before the apps load).
"""

from __future__ import annotations

import logging
import re

# "METHOD /path?query PROTOCOL": the query runs from "?" to the next space.
_QUERY_IN_REQUEST_LINE = re.compile(r"^(\S+ [^\s?]*)\?\S*")


def request_line_without_query(request_line: str) -> str:
    """``request_line`` with the query string of its target removed."""
    return _QUERY_IN_REQUEST_LINE.sub(r"\1", request_line)


class RequestLineWithoutQuery(logging.Filter):
    """Rewrite the request line of runserver's records (their first argument) without its query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (request_line_without_query(record.args[0]), *record.args[1:])
        return True
