"""gunicorn settings for the web process, used by the Procfile and docker/entrypoint.sh
(``gunicorn connector.wsgi --config connector/gunicorn.conf.py``; command-line flags such as
``--bind`` and ``--workers`` still win over this file).

Owns the access log. Its format leaves out the query string and the Referer: embedded
document loads carry the App Bridge session token (``?id_token=``), the OAuth callback its
``code``, ``hmac`` and ``state``, and the embedded pages' own requests send the page URL,
``id_token`` included, as Referer. Also tells the app how many workers serve (WEB_CONCURRENCY):
settings refuse a per-process cache when more than one does. Must not import Django.
"""

from __future__ import annotations

import os
from typing import Any

accesslog = "-"
# remote address, identity, user, time, "METHOD PATH PROTOCOL" (path without the query string),
# status, response bytes, request time in seconds, user agent.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'
timeout = 30


def on_starting(server: Any) -> None:
    """Before any worker loads the app: WEB_CONCURRENCY is the number of workers that serve,
    whether it came from the variable, ``--workers`` or this file."""
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
