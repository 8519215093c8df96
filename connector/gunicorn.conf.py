"""gunicorn settings for the web process, used by the Procfile and docker/entrypoint.sh
(``gunicorn connector.wsgi --config connector/gunicorn.conf.py``; command-line flags such as
``--bind`` and ``--workers`` still win over this file).

Owns the access log, the default address and development reloading. The log's format leaves
out the query string and the Referer: embedded document loads carry the App Bridge session
token (``?id_token=``), the OAuth callback its ``code``, ``hmac`` and ``state``, and the embedded
pages' own requests send the page URL, ``id_token`` included, as Referer. Also tells the app
how many workers serve (WEB_CONCURRENCY): settings refuse a per-process cache when more than
one does. Must not import Django.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Every interface, on the platform's PORT (`make run` binds 127.0.0.1 through GUNICORN_CMD_ARGS).
bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]

# DEBUG=true is development (`make run`): restart the workers when code, a template or a
# translation changes, as runserver does. django-environ's true words, as settings.py reads DEBUG.
if os.environ.get("DEBUG", "").strip().lower() in ("true", "on", "ok", "y", "yes", "1"):
    reload = True
    reload_extra_files = [
        str(path)
        for pattern in ("templates/**/*.html", "*/templates/**/*.html", "locale/*/LC_MESSAGES/*.mo")
        for path in ROOT.glob(pattern)
    ]

accesslog = "-"
# remote address, identity, user, time, "METHOD PATH PROTOCOL" (path without the query string),
# status, response bytes, request time in seconds, user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
timeout = 30


def on_starting(server: Any) -> None:
    """Before any worker loads the app: WEB_CONCURRENCY is the number of workers that serve,
    whether it came from the variable, ``--workers`` or this file."""
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
