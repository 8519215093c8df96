"""The one outbound HTTP choke point: every call to Shopify, Ecomdrop, Dropi and the theme's
source goes through ``request`` (and ``download`` for archives).

Owns: keep-alive connection pools per host shared by every client object and thread, a timeout
on every call, the classification of failures (retryable / ambiguous / final), parsing and
clamping of vendor-supplied delays (``Retry-After``), redaction of every message it raises,
capped streaming downloads, redirects that drop credentials when they leave the host, and an
optional count of calls per host (tests, benchmarks).
Must not: know a vendor (base URLs, auth headers, error classes and answer shapes belong to
``connector/<vendor>/``), retry on its own (only the caller knows whether that is safe), log or
raise a secret.

Built on requests (urllib3's pools are thread-safe; ``responses``, the unit tests' mock, speaks
requests); httpx would add HTTP/2 and an async API, which nothing needs. Pools: one adapter
per process holds a urllib3 pool per (scheme, host, port) with at most ``HTTP_POOL_MAXSIZE``
idle connections (``WORKER_CONCURRENCY`` when more: one per slot of the worker's runner); each
thread has its own ``requests.Session`` (``connector/http_session.py``) in front of it;
sessions keep no cookies, so nothing of one merchant's call rides on another's. The commonest
call — a plain http(s) URL, string parameters, a JSON or form body, no redirects — is prepared
and sent without requests' preparation and adapter layers, on the same pools and with the same
errors (``http_session.plain_send``; a quarter of a call's client CPU). urllib3
checks an idle connection before reusing it; a server closing it just as a request goes out
shows up as a lost connection (ambiguous for a write).
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import math
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError

from connector.http_session import PlainRequest, plain_send, session_is_plain, session_send, thread_session
from connector.redaction import CREDENTIAL_HEADERS, describe_url, redact

Response = requests.Response
Session = requests.Session

# Host pools kept before the least recently used is closed: vendor hosts + recent shops' Admin hosts.
MAX_HOST_POOLS = 100
CHUNK_BYTES = 64 * 1024
_CREDENTIALS = frozenset(name.lower() for name in CREDENTIAL_HEADERS)
# Methods that change nothing on the server: a failure of one can always be retried.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Kind(enum.StrEnum):
    RETRYABLE = "retryable"  # not acted on: try again later
    AMBIGUOUS = "ambiguous"  # may have been acted on: look before repeating a write
    FINAL = "final"  # the same request will fail the same way


class Reason(enum.StrEnum):
    REFUSED = "could not connect"
    CONNECT_TIMEOUT = "no connection in time"
    READ_TIMEOUT = "no answer in time"
    CONNECTION_LOST = "connection lost before the whole answer"
    INVALID_REQUEST = "request could not be sent"
    STATUS = "error status"
    UNREADABLE = "unreadable answer"
    TOO_LARGE = "answer over the size limit"
    DEADLINE = "download took too long"


class HttpError(Exception):
    """A classified failure of one call; its message never holds a secret."""

    def __init__(
        self,
        message: str,
        *,
        kind: Kind,
        reason: Reason,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.kind = kind
        self.reason = reason
        self.status = status
        self.retry_after = retry_after  # seconds the server asked for (clamped), None if it did not

    @property
    def retryable(self) -> bool:
        return self.kind is not Kind.FINAL

    @property
    def may_have_been_processed(self) -> bool:
        return self.kind is Kind.AMBIGUOUS

    def wait_seconds(self, *, default: float, minimum: float = 0.0) -> float:
        """The server's ``Retry-After``, or ``default``, within [minimum, HTTP_MAX_RETRY_AFTER_SECONDS]."""
        return clamp_delay(default if self.retry_after is None else self.retry_after, default=default, minimum=minimum)


# --------------------------------------------------------------------------- pools
class _Adapter(HTTPAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if _pools.counters:
            _count(str(request.url))
        return super().send(request, *args, **kwargs)

    def send_plain(
        self, plain: PlainRequest, *, timeout: tuple[float, float], verify: bool | str, stream: bool
    ) -> requests.Response:
        """``send`` for a request of ``http_session.plain_prepared`` (``http_session.plain_send``)."""
        if _pools.counters:
            _count(str(plain.prepared.url))
        return plain_send(self, plain, timeout=timeout, verify=verify, stream=stream)


class _Pools:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.adapter: _Adapter | None = None
        self.generation = 0
        self.local = threading.local()
        self.counters: list[Counter[str]] = []


_pools = _Pools()


def _session() -> requests.Session:
    """This thread's session, in front of the process's shared pools."""
    local = _pools.local
    if getattr(local, "generation", None) != _pools.generation:
        with _pools.lock:
            if _pools.adapter is None:
                size = max(settings.HTTP_POOL_MAXSIZE, settings.WORKER_CONCURRENCY)
                _pools.adapter = _Adapter(pool_connections=MAX_HOST_POOLS, pool_maxsize=size)
            adapter, generation = _pools.adapter, _pools.generation
        session = thread_session()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        local.session, local.generation = session, generation
    return cast(requests.Session, local.session)


def pools_reset() -> None:
    """Close every pooled connection; later calls open new ones (tests; a changed pool size)."""
    with _pools.lock:
        adapter, _pools.adapter = _pools.adapter, None
        _pools.generation += 1
    if adapter is not None:
        adapter.close()


def _forget_pools_after_fork() -> None:
    # A forked child must not share its parent's sockets, nor a lock held by a thread it lacks.
    global _pools
    _pools = _Pools()


os.register_at_fork(after_in_child=_forget_pools_after_fork)


@contextlib.contextmanager
def count_calls() -> Iterator[Counter[str]]:
    """Count HTTP exchanges (redirects included) per ``host[:port]``, in every thread, while open."""
    counter: Counter[str] = Counter()
    with _pools.lock:
        _pools.counters.append(counter)
    try:
        yield counter
    finally:
        with _pools.lock:
            _pools.counters.remove(counter)


def _count(url: str) -> None:
    parts = urlsplit(url)
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    with _pools.lock:
        for counter in _pools.counters:
            counter[host] += 1


# --------------------------------------------------------------------------- calls
def timeouts(timeout: float | tuple[float, float] | None = None) -> tuple[float, float]:
    """(connect, read) seconds: the caller's, else ``HTTP_TIMEOUT_SECONDS``; never unbounded."""
    default = float(settings.HTTP_TIMEOUT_SECONDS)
    connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    return _bounded(connect, default), _bounded(read, default)


def _bounded(value: float | None, default: float) -> float:
    return float(value) if value is not None and math.isfinite(float(value)) and float(value) > 0 else default


def request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    json: Any = None,
    timeout: float | tuple[float, float] | None = None,
    allow_redirects: bool = False,
    stream: bool = False,
    read_only: bool | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """Send one request and return the answer, whatever its status.

    ``read_only`` says that the request changes nothing although its method could (a search
    sent as POST); by default only GET, HEAD and OPTIONS are. Raises HttpError when no answer
    arrived: its ``kind`` says whether the server may have acted on the request.
    """
    try:
        chosen = session or _session()
        if session is None and not allow_redirects and session_is_plain(chosen):
            response = session_send(chosen, method, url, headers, params, data, json, timeouts(timeout), stream)
        else:
            response = chosen.request(
                method,
                url,
                headers=dict(headers or {}),
                params=params,
                data=data,
                json=json,
                timeout=timeouts(timeout),
                allow_redirects=allow_redirects,
                stream=stream,
            )
    except requests.RequestException as error:
        secrets = [value for name, value in (headers or {}).items() if name.lower() in _CREDENTIALS]
        failure = _transport_error(error, method=method, url=url, read_only=read_only, secrets=secrets)
    else:
        return response
    # Raised out of the except block: the requests error (its text may hold the query) is not chained.
    raise failure


def _transport_error(
    error: requests.RequestException, *, method: str, url: str, read_only: bool | None, secrets: Iterable[str]
) -> HttpError:
    reads = _reads(method, read_only)
    if isinstance(error, requests.ConnectTimeout):
        kind, reason = Kind.RETRYABLE, Reason.CONNECT_TIMEOUT
    elif _never_connected(error):
        kind, reason = Kind.RETRYABLE, Reason.REFUSED
    elif isinstance(error, requests.ReadTimeout):
        kind, reason = (Kind.RETRYABLE if reads else Kind.AMBIGUOUS), Reason.READ_TIMEOUT
    elif isinstance(error, _UNSENDABLE):
        kind, reason = Kind.FINAL, Reason.INVALID_REQUEST
    else:
        kind, reason = (Kind.RETRYABLE if reads else Kind.AMBIGUOUS), Reason.CONNECTION_LOST
    detail = redact(f"{type(error).__name__}: {error}", secrets=secrets)[:500]
    return HttpError(f"{method} {describe_url(url)}: {reason.value} ({detail})", kind=kind, reason=reason)


# Invalid URL, schema or header (requests makes those ValueErrors too), a body that is not JSON,
# a redirect loop: the request could not be sent as it is.
_UNSENDABLE = (ValueError, requests.exceptions.InvalidJSONError, requests.TooManyRedirects)


def _reads(method: str, read_only: bool | None) -> bool:
    return read_only if read_only is not None else method.upper() in READ_METHODS


def _never_connected(error: requests.RequestException) -> bool:
    """A refused, unresolvable or unreachable host: the request never left this machine."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.ConnectionError) and isinstance(reason, ConnectTimeoutError)


def status_error(response: requests.Response, *, read_only: bool | None = None) -> HttpError | None:
    """The classified failure of a non-2xx answer (None for 2xx).

    429 and 503 say "not now" before acting: retryable. Another 5xx is retryable for a read but
    ambiguous for a write (a gateway may answer 502/504 after the server acted). 3xx (when
    redirects are not followed) and 4xx are final.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    method = str(response.request.method if response.request is not None else "GET")
    if status in (429, 503):
        kind = Kind.RETRYABLE
    elif status >= 500:
        kind = Kind.RETRYABLE if _reads(method, read_only) else Kind.AMBIGUOUS
    else:
        kind = Kind.FINAL
    asked = parse_delay(response.headers.get("Retry-After"))
    return HttpError(
        f"{method} {describe_url(str(response.url))} answered HTTP {status}",
        kind=kind,
        reason=Reason.STATUS,
        status=status,
        retry_after=None if asked is None else clamp_delay(asked, default=asked),
    )


def read_json(response: requests.Response, *, allow_empty: bool = False) -> Any:
    """The answer's JSON; ``{}`` for an empty body when ``allow_empty``. Raises a final HttpError
    (UNREADABLE) otherwise: the answer arrived, asking again is not expected to change it."""
    if allow_empty and not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        failure = HttpError(
            f"{describe_url(str(response.url))} answered a body that is not JSON",
            kind=Kind.FINAL,
            reason=Reason.UNREADABLE,
            status=response.status_code,
        )
    raise failure


def download(response: requests.Response, destination: BinaryIO, *, max_bytes: int, deadline_seconds: float) -> int:
    """Copy a streamed answer's body to ``destination`` and close the answer; returns the bytes.

    Raises HttpError: TOO_LARGE (final) when the body announces or reaches more than
    ``max_bytes`` (nothing over the cap is written); DEADLINE or CONNECTION_LOST (retryable: a
    download changes nothing) when it takes longer than ``deadline_seconds`` or breaks off.
    """
    announced = response.headers.get("Content-Length", "")
    with response:
        if not re.fullmatch(r"[0-9]+", announced) or int(announced) <= max_bytes:
            written, failure = _copy(response, destination, max_bytes, time.monotonic() + deadline_seconds)
        else:
            written, failure = 0, _too_large(f"{describe_url(str(response.url))} announces {announced} bytes")
    if failure is not None:
        raise failure
    return written


def _copy(response: Response, destination: BinaryIO, max_bytes: int, deadline: float) -> tuple[int, HttpError | None]:
    origin, written = describe_url(str(response.url)), 0
    try:
        for chunk in response.iter_content(CHUNK_BYTES):
            if written + len(chunk) > max_bytes:
                return written, _too_large(f"{origin} sent more than {max_bytes} bytes")
            if time.monotonic() > deadline:
                return written, HttpError(f"{origin} took too long", kind=Kind.RETRYABLE, reason=Reason.DEADLINE)
            destination.write(chunk)
            written += len(chunk)
    except requests.RequestException as error:
        message = f"{origin} broke off the download ({type(error).__name__})"
        return written, HttpError(message, kind=Kind.RETRYABLE, reason=Reason.CONNECTION_LOST)
    return written, None


def _too_large(message: str) -> HttpError:
    return HttpError(message, kind=Kind.FINAL, reason=Reason.TOO_LARGE)


# --------------------------------------------------------------------------- delays
def parse_delay(value: str | None) -> float | None:
    """Seconds asked by a ``Retry-After`` value (seconds or an HTTP date); None when absent or
    unreadable. Not clamped: see ``clamp_delay``."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        seconds = (moment - datetime.datetime.now(tz=datetime.UTC)).total_seconds()
    return None if math.isnan(seconds) else seconds


def clamp_delay(seconds: float, *, default: float, minimum: float = 0.0) -> float:
    """``seconds`` within [minimum, HTTP_MAX_RETRY_AFTER_SECONDS]; ``default`` for NaN.

    Every wait a vendor asks for passes here: ``1e12`` or ``inf`` must not become a date that
    overflows or a job that waits for centuries."""
    ceiling = float(settings.HTTP_MAX_RETRY_AFTER_SECONDS)
    if math.isnan(seconds):
        seconds = default
    return min(max(seconds, minimum), ceiling)


def retry_after_seconds(value: str | None, *, default: float, minimum: float = 0.0) -> float:
    """A ``Retry-After`` header as a sane wait: parsed, ``default`` when absent or garbage, clamped."""
    asked = parse_delay(value)
    return clamp_delay(default if asked is None else asked, default=default, minimum=minimum)
