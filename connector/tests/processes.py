"""Real processes for the tests that must cross a process boundary: gunicorn with several
workers against this test run's database, a private Redis server, nginx in front of gunicorn.

Each starts on a free port of 127.0.0.1, writes its output to a file of the test's tmp_path
(shown when it fails to start) and is stopped when the ``with`` block ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url_of_this_run() -> str:
    """DATABASE_URL pointing at the database pytest-django created for this run."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{log.name}: the process ended with {process.returncode}:\n{log.read_text()[-4000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"{log.name}: nothing listens on port {port} after {timeout} s:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class Server:
    base_url: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text()


def app_environment(cache_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of an app process: the test settings on this run's database, the cache
    ``cache_url`` (None: the settings' default), ``extra`` on top."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector.settings_test",
        "DATABASE_URL": database_url_of_this_run(),
        "CACHE_URL": cache_url or "",  # empty: the default, which the test settings keep
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


@contextmanager
def gunicorn(tmp_path: Path, *, workers: int = 2, env: dict[str, str], name: str = "gunicorn") -> Iterator[Server]:
    """gunicorn serving the app with ``workers`` sync workers and the shipped config file."""
    port = free_port()
    log = tmp_path / f"{name}.log"
    command = [str(GUNICORN), "connector.wsgi", "--config", "connector/gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_until_listening(port, process, log)
        server = Server(base_url=f"http://127.0.0.1:{port}", port=port, log=log, process=process)
        wait_for_answer(f"{server.base_url}/healthz", server)
        yield server
    finally:
        stop(process)


def wait_for_answer(url: str, server: Server, *, timeout: float = 30) -> None:
    """Every worker has loaded the app once /healthz answers a few times in a row."""
    deadline = time.monotonic() + timeout
    answered = 0
    while answered < 4:
        try:
            urllib.request.urlopen(url, timeout=5).read()  # noqa: S310
            answered += 1
        except OSError:
            answered = 0
            if time.monotonic() > deadline or server.process.poll() is not None:
                pytest.fail(f"{server.log.name}: {url} does not answer:\n{server.output()[-4000:]}")
            time.sleep(0.1)


@contextmanager
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A private Redis (no persistence) on a free port; yields its URL."""
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("needs redis-server (apt-get install redis-server; make sysdeps-servers)")
    port = free_port()
    log = tmp_path / "redis.log"
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        wait_until_listening(port, process, log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is the answer


_OPENER = urllib.request.build_opener(_NoRedirects)


def http(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> Answer:
    """One request; an HTTP error status or a redirect is an answer, not an exception."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with _OPENER.open(request, timeout=30) as response:
            return Answer(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), dict(error.headers))


def at_once(calls: list[Callable[[], Any]], *, threads: int = 8) -> list[Any]:
    """Run ``calls`` concurrently (``threads`` at a time); their results in order."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda call: call(), calls))


class HeldWorker:
    """A request that keeps one sync worker busy: the headers of a POST /webhooks declaring a
    one-byte body, and no body until ``release``."""

    def __init__(self, server: Server) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        self.sock.sendall(b"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n\r\n")
        time.sleep(0.5)  # a worker accepts it and waits for the body

    def release(self) -> None:
        self.sock.sendall(b"x")
        self.sock.recv(65536)
        self.sock.close()


def on_each_worker(
    server: Server, first: list[Callable[[], Any]], second: list[Callable[[], Any]], *, threads: int = 8
) -> list[Any]:
    """Run ``first`` on one of two sync workers and then ``second`` on the other (``threads``
    at a time; 1: in order); the results of both in order. Whichever worker is not held is
    the only one that can accept."""
    held_first = HeldWorker(server)
    results = at_once(first, threads=threads)
    held_second = HeldWorker(server)  # the worker that served ``first``: the other is held
    held_first.release()
    results += at_once(second, threads=threads)
    held_second.release()
    return results


def side_by_side(server: Server, first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Run ``first`` on one of two sync workers and, while it is still running (it must take
    a second or more), ``second`` on the other."""
    held = HeldWorker(server)
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = pool.submit(first)  # the worker that is not held takes it
        time.sleep(0.3)
        held.release()  # now only the held worker is free
        following = pool.submit(second)
        return started.result(), following.result()


def away_from_a_minute_boundary(margin: float = 15) -> None:
    """Wait until a burst that starts now ends inside the same one-minute window."""
    seconds_into_minute = time.time() % 60
    if seconds_into_minute > 60 - margin:
        time.sleep(60 - seconds_into_minute + 0.2)


SHIPPED_NGINX_CONFIG = ROOT / "docker" / "nginx" / "connector.conf"
SHIPPED_UPSTREAM = "server app:8000;"
SHIPPED_LISTEN = "listen 8080;"


@contextmanager
def nginx(tmp_path: Path, *, upstream_port: int) -> Iterator[Server]:
    """nginx with the shipped server block (docker/nginx/connector.conf), listening on a free
    port and passing requests to 127.0.0.1:``upstream_port`` instead of the compose service."""
    if not os.path.exists(NGINX):
        pytest.skip("needs nginx (apt-get install nginx-light; make sysdeps-servers)")
    shipped = SHIPPED_NGINX_CONFIG.read_text()
    # What is replaced below.
    assert SHIPPED_UPSTREAM in shipped
    assert SHIPPED_LISTEN in shipped
    port = free_port()
    # nginx's workers drop root for "nobody": their temporary files go in a folder it can reach.
    prefix = Path(tempfile.mkdtemp(prefix="connector-nginx-"))
    prefix.chmod(0o755)
    server_block = prefix / "connector.conf"
    server_block.write_text(
        shipped.replace(SHIPPED_UPSTREAM, f"server 127.0.0.1:{upstream_port};").replace(
            SHIPPED_LISTEN, f"listen 127.0.0.1:{port};"
        )
    )
    temp_paths = " ".join(
        f"{name}_temp_path {prefix / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = prefix / "nginx.conf"
    config.write_text(
        f"daemon off;\npid {prefix / 'nginx.pid'};\nerror_log stderr warn;\nworker_processes 1;\n"
        f"events {{ worker_connections 256; }}\n"
        f"http {{ {temp_paths} include {server_block}; }}\n"
    )
    log = tmp_path / "nginx.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            [NGINX, "-p", str(prefix), "-c", str(config)], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_listening(port, process, log)
        yield Server(base_url=f"http://127.0.0.1:{port}", port=port, log=log, process=process)
    finally:
        stop(process)
        shutil.rmtree(prefix, ignore_errors=True)
