"""Slow request bodies cannot freeze the app behind the shipped proxy (docker/nginx/connector.conf).

The probe: three connections each declare a 1 MB body to /webhooks and send one byte of it,
then /healthz is asked. gunicorn alone (two sync workers, as deployed) has both workers
waiting for those bodies and /healthz times out; behind nginx, which reads bodies itself
before passing a request on, /healthz answers at once.
"""

from __future__ import annotations

import os
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connector.tests.processes import Server, gunicorn, nginx

HEALTHZ_TIMEOUT = 3.0


def environment() -> dict[str, str]:
    # /healthz and a refused webhook need no data: an in-memory database.
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector.settings_test",
        "DATABASE_URL": "sqlite:///:memory:",
        "CACHE_URL": "",
    }


@contextmanager
def slow_bodies(server: Server, count: int = 3) -> Iterator[None]:
    """``count`` connections that declare a 1 MB webhook body and send one byte of it."""
    connections = []
    try:
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            connection.sendall(
                b"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1048576\r\n\r\n{"
            )
            connections.append(connection)
        time.sleep(0.5)  # accepted and waiting for the rest
        yield
    finally:
        for connection in connections:
            connection.close()


def healthz_answers(server: Server) -> bool:
    try:
        with urllib.request.urlopen(f"{server.base_url}/healthz", timeout=HEALTHZ_TIMEOUT) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def test_slow_bodies_freeze_bare_gunicorn_but_not_the_app_behind_the_proxy(tmp_path: Path) -> None:
    with gunicorn(tmp_path, workers=2, env=environment()) as app:
        with slow_bodies(app):
            bare = healthz_answers(app)
        with nginx(tmp_path, upstream_port=app.port) as proxy, slow_bodies(proxy):
            started = time.monotonic()
            proxied = healthz_answers(proxy)
            waited = time.monotonic() - started

    assert bare is False  # the probe is real: without the proxy the app froze
    assert proxied is True
    assert waited < 1.0


def test_the_proxy_passes_requests_on_and_logs_no_query_string(tmp_path: Path) -> None:
    with gunicorn(tmp_path, workers=2, env=environment()) as app, nginx(tmp_path, upstream_port=app.port) as proxy:
        url = f"{proxy.base_url}/healthz?id_token=SECRET-TOKEN"
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            assert response.status == 200
        time.sleep(0.2)

    assert '"GET /healthz HTTP/1.1" 200' in app.output()
    assert '"GET /healthz HTTP/1.1" 200' in proxy.output()
    assert "SECRET-TOKEN" not in proxy.output()
    assert "id_token" not in proxy.output()
