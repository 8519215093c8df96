"""A tiny local HTTP/1.1 server for the tests of connector/http.py: it counts the TCP
connections it accepts and records what each request carried.

Routes: ``/json`` (sets a cookie), ``/status/<code>?retry_after=…``, ``/slow?seconds=…``,
``/drop`` (closes the connection without answering), ``/html``, ``/bytes?n=…&chunked=1``,
``/drip?chunks=…`` (one chunk every 0.1 s), ``/redirect?to=…``, ``/api/accounts/me`` (Ecomdrop),
``/gzip`` (a gzip-encoded JSON answer), ``/short`` (announces more body than it sends, then
closes), ``/stall?seconds=…`` (the head at once, the body after a pause).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.seen: list[dict[str, Any]] = []
        self.port = self.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def get_request(self) -> Any:
        accepted = super().get_request()
        with self.lock:
            self.connections += 1
        return accepted

    def start(self) -> CountingServer:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CountingServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        with self.server.lock:
            self.server.seen.append(
                {
                    "method": self.command,
                    "path": parts.path,
                    "query": parts.query,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
            )
        try:
            self._route(parts.path, query)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_POST = do_PUT = do_DELETE = do_GET

    def _route(self, path: str, query: dict[str, str]) -> None:
        if path == "/json":
            self._reply(200, b'{"ok": true}', {"Set-Cookie": "session=merchant-a; Path=/"})
        elif path.startswith("/status/"):
            retry_after = {"Retry-After": query["retry_after"]} if "retry_after" in query else {}
            self._reply(int(path.rsplit("/", 1)[1]), b'{"error": "x"}', retry_after)
        elif path == "/slow":
            time.sleep(float(query.get("seconds", "1")))
            self._reply(200, b'{"ok": true}')
        elif path == "/drop":
            self.close_connection = True
        elif path == "/html":
            self._reply(200, b"<html>login</html>", {"Content-Type": "text/html"})
        elif path == "/bytes" and "chunked" in query:
            self._chunked([b"x" * 8192] * (int(query["n"]) // 8192))
        elif path == "/bytes":
            self._reply(200, b"x" * int(query["n"]), {"Content-Type": "application/zip"})
        elif path == "/drip":
            self._chunked([b"x" * 100] * int(query.get("chunks", "30")), pause=0.1)
        elif path == "/redirect":
            self._reply(302, b"", {"Location": query["to"]})
        elif path == "/gzip":
            self._reply(200, gzip.compress(b'{"comprimido": "s\xc3\xad"}'), {"Content-Encoding": "gzip"})
        elif path == "/short":
            self._reply(200, b'{"ok": tr', {"Content-Length": "100"})
            self.close_connection = True
        elif path == "/stall":
            self._head(200, {"Content-Length": "12"})
            self.wfile.flush()
            time.sleep(float(query.get("seconds", "1")))
            self.wfile.write(b'{"ok": true}')
        elif path == "/api/accounts/me":
            self._reply(200, json.dumps({"id": 7, "name": "Tienda"}).encode())
        else:
            self._reply(404, b"{}")

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self._head(status, {"Content-Length": str(len(body)), **(headers or {})})
        self.wfile.write(body)

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.end_headers()

    def _chunked(self, pieces: list[bytes], *, pause: float = 0.0) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in pieces:
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.flush()
            time.sleep(pause)
        self.wfile.write(b"0\r\n\r\n")
