"""The development server's request log (``manage.py runserver``, the ``django.server`` logger)
never records query strings: embedded page loads carry the session token (``?id_token=``) and
the OAuth callback its ``code`` and ``hmac``. gunicorn's access log is tested in
test_gunicorn_config.py."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"id_token": "eyJhbGciOiJIUzI1NiJ9.SESSION-TOKEN.SIGNATURE", "code": "OAUTH-CODE-1234"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url):
    with contextlib.suppress(urllib.error.HTTPError):  # a 404 is logged too
        urllib.request.urlopen(url, timeout=5)  # noqa: S310


@pytest.fixture
def runserver(tmp_path):
    port = free_port()
    log = tmp_path / "runserver.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector.settings_test",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        pytest.fail(f"runserver did not start:\n{log.read_text()}")
                    time.sleep(0.2)
            yield f"http://127.0.0.1:{port}", log
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_the_development_server_logs_requests_without_their_query_string(runserver):
    base_url, log = runserver
    query = f"id_token={SECRETS['id_token']}&code={SECRETS['code']}"

    get(f"{base_url}/healthz?{query}")
    get(f"{base_url}/app/no-such-page?{query}")
    time.sleep(0.5)

    text = log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in text
    assert '"GET /app/no-such-page HTTP/1.1" 404' in text
    for secret in SECRETS.values():
        assert secret not in text
    assert "id_token" not in text


@pytest.mark.parametrize(
    ("line", "logged"),
    [
        ("GET /app/?id_token=abc.def&shop=x HTTP/1.1", "GET /app/ HTTP/1.1"),
        ("GET /auth/callback?code=1&hmac=2 HTTP/1.1", "GET /auth/callback HTTP/1.1"),
        ("POST /webhooks HTTP/1.1", "POST /webhooks HTTP/1.1"),
        ("GET /?x HTTP/1.0", "GET / HTTP/1.0"),
        ("garbage", "garbage"),
    ],
)
def test_the_request_line_loses_only_its_query(line, logged):
    from connector.request_log import request_line_without_query

    assert request_line_without_query(line) == logged
