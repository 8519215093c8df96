"""connector/gunicorn.conf.py: the access log never records query strings (session tokens,
OAuth codes) or the Referer, and both the Procfile and the Docker entry point use it."""

import os
import re
import runpy
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "connector" / "gunicorn.conf.py"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# Log atoms that carry a query string or a header value (the Referer holds the page URL,
# ``id_token`` included): %(r)s request line, %(q)s query, %(f)s Referer, %({name}i)s headers.
LEAKING_ATOMS = re.compile(r"%\((r|q|f|\{[^}]*\}i)\)s")


def config():
    return runpy.run_path(str(CONFIG))


def test_the_access_log_format_has_no_query_string_and_no_referer():
    settings = config()

    assert settings["accesslog"] == "-"
    assert "%(U)s" in settings["access_log_format"]  # the path without the query
    assert LEAKING_ATOMS.findall(settings["access_log_format"]) == []


@pytest.mark.parametrize("path", ["Procfile", "docker/entrypoint.sh"])
def test_every_way_of_starting_gunicorn_uses_the_config_file(path):
    text = (ROOT / path).read_text()

    assert "--config connector/gunicorn.conf.py" in text
    assert "--access-logformat" not in text  # the format lives in the config file only


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not GUNICORN.exists(), reason="needs gunicorn in .venv")
def test_a_running_gunicorn_logs_requests_without_tokens_or_codes(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "connector.settings_test", "DATABASE_URL": "sqlite:///:memory:"}
    secrets = {"id_token": "eyJhbGciOiJIUzI1NiJ9.SESSION-TOKEN.SIGNATURE", "code": "OAUTH-CODE-1234"}
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603
            [
                str(GUNICORN),
                "connector.wsgi",
                "--config",
                "connector/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
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
                        pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
                    time.sleep(0.2)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz?id_token={secrets['id_token']}&code={secrets['code']}",
                headers={"Referer": f"http://127.0.0.1:{port}/app/?id_token={secrets['id_token']}"},
            )
            urllib.request.urlopen(request, timeout=5)  # noqa: S310
        finally:
            server.terminate()
            server.wait(timeout=30)

    text = log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in text
    for secret in secrets.values():
        assert secret not in text
    assert "id_token" not in text


def test_gunicorn_listens_on_every_interface_at_the_platforms_port(monkeypatch):
    monkeypatch.setenv("PORT", "5123")
    monkeypatch.setenv("DEBUG", "false")

    settings = config()

    assert settings["bind"] == ["0.0.0.0:5123"]
    assert "reload" not in settings


def test_in_development_gunicorn_reloads_on_code_template_and_translation_changes(monkeypatch):
    monkeypatch.setenv("DEBUG", "true")

    settings = config()

    assert settings["reload"] is True
    watched = {Path(path).relative_to(ROOT).as_posix() for path in settings["reload_extra_files"]}
    assert "templates/admin/base_site.html" in watched
    assert "shops/templates/shops/configuration.html" in watched
    assert "locale/es/LC_MESSAGES/django.mo" in watched


@pytest.mark.skipif(not GUNICORN.exists(), reason="needs gunicorn in .venv")
def test_gunicorn_with_two_workers_and_a_local_memory_cache_stops_with_one_reason(tmp_path):
    # WEB_CONCURRENCY says 1, --workers says 2: the config file tells the app the real number.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector.settings_test",
        "DATABASE_URL": "sqlite:///:memory:",
        "CACHE_URL": "locmemcache://",
        "WEB_CONCURRENCY": "1",
    }
    command = [str(GUNICORN), "connector.wsgi", "--config", "connector/gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{free_port()}", "--workers", "2"]

    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603

    assert result.returncode != 0
    assert "App failed to load" in result.stderr
    assert "error: CACHE_URL is a local-memory cache, which each process keeps for itself, but 2 web worker(s)" in (
        result.stderr
    )
