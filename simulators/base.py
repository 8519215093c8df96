"""A small threaded HTTP server that vendor simulators build on.

Owns: serving on a free local port, recording every request, injected failures (status codes,
slow answers) and artificial latency. Vendor behaviour lives in subclasses.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    kind: str = ""

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def encode(self) -> tuple[bytes, str]:
        if self.raw is not None:
            return self.raw, self.headers.get("Content-Type", "application/octet-stream")
        if self.body is None:
            return b"", "text/plain"
        return json.dumps(self.body).encode("utf-8"), "application/json"


@dataclass
class Failure:
    kind: str
    status: int
    body: Any
    times: int
    delay: float


class SimulatorServer:
    """Base class: subclasses implement ``handle(request) -> Response`` and set ``request.kind``."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.lock = threading.RLock()
        self.requests: list[Request] = []
        self.calls: Counter[str] = Counter()
        self._failures: list[Failure] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- lifecycle
    def start(self, port: int = 0) -> str:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in one write, without Nagle's delay: otherwise every
            # answer waits ~40 ms for the client's delayed ACK.
            disable_nagle_algorithm = True
            wbufsize = 64 * 1024

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                )
                response = simulator.dispatch(request)
                payload, content_type = response.encode()
                self.send_response(response.status)
                headers = {"Content-Type": content_type, **response.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

        server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 256})  # a real server's backlog
        self._server = server_class(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SimulatorServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- behaviour
    def dispatch(self, request: Request) -> Response:
        if self.latency:
            time.sleep(self.latency)
        response = self.handle(request)
        with self.lock:
            self.requests.append(request)
            self.calls[request.kind or request.path] += 1
        return response

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def fail_next(self, kind: str, *, status: int = 500, body: Any = None, times: int = 1, delay: float = 0.0) -> None:
        """Make the next ``times`` requests of ``kind`` answer ``status`` (after ``delay`` seconds)
        with ``body`` (JSON; ``bytes`` are sent as they are)."""
        with self.lock:
            self._failures.append(Failure(kind=kind, status=status, body=body, times=times, delay=delay))

    def injected_failure(self, request: Request) -> Response | None:
        """Call at the start of ``handle`` once ``request.kind`` is known."""
        with self.lock:
            for failure in self._failures:
                if failure.kind == request.kind and failure.times > 0:
                    failure.times -= 1
                    chosen = failure
                    break
            else:
                return None
            self._failures = [failure for failure in self._failures if failure.times > 0]
        if chosen.delay:
            time.sleep(chosen.delay)
        if isinstance(chosen.body, bytes):  # an unreadable answer, sent as it is
            return Response(status=chosen.status, raw=chosen.body, headers={"Content-Type": "application/json"})
        return Response(status=chosen.status, body=chosen.body if chosen.body is not None else {"error": "injected"})

    def count(self, kind: str) -> int:
        with self.lock:
            return self.calls[kind]

    def requests_of(self, kind: str) -> list[Request]:
        with self.lock:
            return [request for request in self.requests if request.kind == kind]


def serve_until_interrupted(simulator: SimulatorServer) -> None:
    """Keep a started simulator running in the foreground until Ctrl-C (manual demos)."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        simulator.stop()
