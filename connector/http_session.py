"""The ``requests.Session`` each thread puts in front of the process's pools (``connector.http``).

Owns: what a session keeps and reads — no cookies (nothing of one merchant's call rides on
another's), credential headers stripped on a redirect to another host, and the environment
read once when the session is made instead of on every call: without proxy variables,
requests would otherwise walk the whole environment for proxies, ``NO_PROXY`` and CA bundles
on each request (measured: a fifth of a flow delivery's CPU). With proxy variables set,
requests keeps reading them per call (``NO_PROXY`` is then honoured per host). Also sends one
exchange of such a plain session without ``Session.request``'s per-call merging
(``session_send``, used by ``connector.http.request``), and the commonest such exchange — a
plain http(s) URL, string parameters, a JSON or form body — without requests' preparation and
adapter layers (``plain_send``): a quarter of an Ecomdrop call's client CPU (measured in
process: 0.42–0.43 → 0.31 ms per look-up against the simulator), three calls in each flow
delivery.
"""

from __future__ import annotations

import json as jsonlib
import os
import re
import urllib.request
import weakref
from collections.abc import Mapping
from http.cookiejar import DefaultCookiePolicy
from typing import Any, NamedTuple, cast
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_encoding_from_headers
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import InvalidHeader as Urllib3InvalidHeader
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util import Timeout

from connector.redaction import CREDENTIAL_HEADERS


class _NoCookies(DefaultCookiePolicy):
    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False

    def return_ok(self, cookie: Any, request: Any) -> bool:
        return False


class _Session(requests.Session):  # the type ignores: types-requests leaves these two methods untyped
    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        if self.should_strip_auth(str(response.request.url), str(prepared_request.url)):  # type: ignore[no-untyped-call]
            for header in CREDENTIAL_HEADERS:
                prepared_request.headers.pop(header, None)
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]


def thread_session() -> requests.Session:
    """A new session for one thread (the caller mounts the shared adapter)."""
    session = _Session()
    session.cookies.set_policy(_NoCookies())
    if not urllib.request.getproxies():
        session.trust_env = False  # no per-call walk of the environment, no ~/.netrc either
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
    return session


def session_is_plain(session: requests.Session) -> bool:
    """Whether the session adds nothing of its own to a call but its headers: no proxies or
    environment to read, no credentials, no client certificate, no hooks."""
    return not (session.trust_env or session.proxies or session.auth or session.cert or any(session.hooks.values()))


def session_send(
    session: requests.Session,
    method: str,
    url: str,
    headers: Mapping[str, str] | None,
    params: Mapping[str, str] | None,
    data: Mapping[str, str] | None,
    json: Any,
    timeout: tuple[float, float],
    stream: bool,
) -> requests.Response:
    """One exchange without redirects, prepared and sent as ``Session.request`` would for a
    plain session (see ``session_is_plain``) but without its per-call merging of settings, cookies and
    environment — half of what requests cost a flow delivery (profiled). The request goes
    through the mounted adapter, so pools, counting and the unit tests' mock see it alike; a
    plain one (``plain_prepared``) through the adapter's ``send_plain`` when it has one."""
    verify = True if session.verify is None else session.verify
    plain = plain_prepared(session, method, url, headers, params, data, json) if _plain_allowed() else None
    if plain is not None:
        send_plain = getattr(session.get_adapter(url=url), "send_plain", None)
        if send_plain is not None:
            return send_plain(plain, timeout=timeout, verify=verify, stream=stream)  # type: ignore[no-any-return]
    merged = _merged_headers(session, headers)
    prepared = requests.PreparedRequest()
    prepared.prepare_method(method)
    prepared.prepare_url(url, params)
    prepared.prepare_headers(merged)
    prepared.prepare_body(data, None, json)
    adapter = session.get_adapter(url=str(prepared.url))
    response = adapter.send(prepared, stream=stream, timeout=timeout, verify=verify, cert=None, proxies={})
    if not stream:
        response.content  # noqa: B018 (read the whole answer now, as Session.send does)
    return response


def _merged_headers(session: requests.Session, headers: Mapping[str, str] | None) -> CaseInsensitiveDict[str]:
    """The session's headers with the call's, as requests merges them: None removes one."""
    merged: CaseInsensitiveDict[str] = CaseInsensitiveDict(cast(Mapping[str, str], session.headers))
    for name, value in (headers or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


# --------------------------------------------------------------------------- the plain exchange
# A URL that requests' preparation (urllib3's parse_url, IDNA, requote_uri) leaves exactly as
# it is: http(s), a lower-case ASCII host, an optional port, a path of characters that need no
# quoting, no percent escape, no dot segment, no query, no fragment, no credentials. Any other
# URL takes requests' own preparation.
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::([0-9]{1,5}))?(/[A-Za-z0-9.\-_~!$&'()*+,;=:@/]*)"
)
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")
# requests.adapters.HTTPAdapter.send as requests defines it: when something replaced it (the
# ``responses`` mock of the unit tests, an instrumentation), every call goes through it.
_REQUESTS_SEND = HTTPAdapter.send
_FORM = "application/x-www-form-urlencoded"
# requests' pool key of each (scheme, host, port, verify) — it parses the URL again on every
# call to find it — and the pools whose CA settings ``cert_verify`` has set (it looks at the
# bundle's file on every call to set the same values).
_POOL_KEYS: dict[tuple[str, str, int | None, bool | str], Any] = {}
_POOL_KEYS_MAX = 1000
_VERIFIED_POOLS: weakref.WeakSet[Any] = weakref.WeakSet()


def _plain_allowed() -> bool:
    """Whether requests' ``HTTPAdapter.send`` is its own (not a mock or an instrumentation that
    must see every call)."""
    return HTTPAdapter.send is _REQUESTS_SEND


class PlainRequest(NamedTuple):
    prepared: requests.PreparedRequest
    path: str  # what the request line asks for: the path and the query
    scheme: str
    host: str
    port: int | None


def _plain_query(values: Mapping[str, str] | None) -> str | None:
    """``values`` encoded as requests encodes a mapping of strings; None for anything else."""
    if not values:
        return ""
    if not all(isinstance(key, str) and isinstance(value, str) for key, value in values.items()):
        return None
    return urlencode(values)


def plain_prepared(
    session: requests.Session,
    method: str,
    url: str,
    headers: Mapping[str, str] | None,
    params: Mapping[str, str] | None,
    data: Mapping[str, str] | None,
    json: Any,
) -> PlainRequest | None:
    """The request as ``PreparedRequest.prepare`` builds it in ``session_send``, for a call
    whose URL, parameters and body it would leave as they are; None for any other call (the
    caller then lets requests prepare it). Headers are checked as requests checks them (no line
    breaks, no leading spaces); the JSON body is the standard library's, which requests uses
    unless simplejson is installed (it is not a dependency here)."""
    match = _PLAIN_URL.fullmatch(url)
    query = _plain_query(params)
    form = _plain_query(data)
    if match is None or query is None or form is None or _DOT_SEGMENT.search(match.group(4)):
        return None
    port = match.group(3)
    if port is not None and int(port) > 65535:
        return None
    merged = _merged_headers(session, headers)
    for header in merged.items():
        check_header_validity(header)
    body: str | bytes | None = None
    if form:
        body = form
        merged.setdefault("Content-Type", _FORM)
    elif json is not None:
        try:
            body = jsonlib.dumps(json, allow_nan=False).encode("utf-8")
        except ValueError as error:
            raise requests.exceptions.InvalidJSONError(error) from None
        merged.setdefault("Content-Type", "application/json")
    method = method.upper()
    if body is not None:
        merged["Content-Length"] = str(len(body))
    elif method not in ("GET", "HEAD") and merged.get("Content-Length") is None:
        merged["Content-Length"] = "0"
    path = match.group(4) + (f"?{query}" if query else "")
    prepared = requests.PreparedRequest()
    prepared.method = method
    prepared.url = url + (f"?{query}" if query else "")
    prepared.headers = merged
    prepared.body = body
    return PlainRequest(prepared, path, match.group(1), match.group(2), None if port is None else int(port))


def plain_send(
    adapter: HTTPAdapter,
    plain: PlainRequest,
    *,
    timeout: tuple[float, float],
    verify: bool | str,
    stream: bool,
) -> requests.Response:
    """``HTTPAdapter.send`` for a request of ``plain_prepared``, without a proxy or a client
    certificate: the same pool, the same urlopen, the same errors and the same answer (its
    cookies read only when it sets one)."""
    request = plain.prepared
    conn = _plain_pool(adapter, plain, verify)
    try:
        raw = conn.urlopen(
            method=str(request.method),
            url=plain.path,
            body=request.body,
            headers=request.headers,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            retries=adapter.max_retries,
            timeout=Timeout(connect=timeout[0], read=timeout[1]),
            chunked=False,
        )
    except (OSError, Urllib3HTTPError) as error:
        translated = _requests_error(error, request)
        if translated is None:
            raise
        raise translated from error
    response = requests.Response()
    response.status_code = raw.status
    response.headers = CaseInsensitiveDict(raw.headers)
    response.encoding = get_encoding_from_headers(response.headers)
    response.raw = raw
    response.reason = raw.reason
    response.url = str(request.url)
    if "set-cookie" in response.headers or "set-cookie2" in response.headers:
        extract_cookies_to_jar(response.cookies, request, raw)  # type: ignore[no-untyped-call]
    response.request = request
    response.connection = adapter
    if not stream:
        response.content  # noqa: B018 (read the whole answer now, as Session.send does)
    return response


def _plain_pool(adapter: HTTPAdapter, plain: PlainRequest, verify: bool | str) -> Any:
    """The urllib3 pool ``get_connection_with_tls_context`` gives the request, without parsing
    its URL again: requests' pool key is kept per (scheme, host, port, verify), the pool itself
    is asked of the pool manager every time (it may have closed an idle host's pool)."""
    request = plain.prepared
    key = (plain.scheme, plain.host, plain.port, verify)
    attributes = _POOL_KEYS.get(key)
    if attributes is None:
        try:
            attributes = adapter.build_connection_pool_key_attributes(request, verify, None)
        except ValueError as error:
            raise requests.exceptions.InvalidURL(error, request=request) from None
        if len(_POOL_KEYS) >= _POOL_KEYS_MAX:
            _POOL_KEYS.clear()
        _POOL_KEYS[key] = attributes
    host_params, pool_kwargs = attributes
    try:
        conn = adapter.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)
    except LocationValueError as error:
        raise requests.exceptions.InvalidURL(error, request=request) from None
    if conn not in _VERIFIED_POOLS:  # the CA bundle's settings, set on a pool once
        adapter.cert_verify(conn, str(request.url), verify, None)  # type: ignore[no-untyped-call]
        _VERIFIED_POOLS.add(conn)
    return conn


def _requests_error(error: Exception, request: requests.PreparedRequest) -> Exception | None:
    """The exception ``HTTPAdapter.send`` raises for what urllib3's urlopen raised (requests
    2.x); None where it lets the error through as it is."""
    exceptions = requests.exceptions
    if isinstance(error, ProtocolError | OSError):
        return exceptions.ConnectionError(error, request=request)
    if isinstance(error, MaxRetryError):
        reason = error.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return exceptions.ConnectTimeout(error, request=request)
        if isinstance(reason, ResponseError):
            return exceptions.RetryError(error, request=request)
        if isinstance(reason, Urllib3ProxyError):
            return exceptions.ProxyError(error, request=request)
        if isinstance(reason, Urllib3SSLError):
            return exceptions.SSLError(error, request=request)
        return exceptions.ConnectionError(error, request=request)
    if isinstance(error, ClosedPoolError):
        return exceptions.ConnectionError(error, request=request)
    if isinstance(error, Urllib3ProxyError):
        return exceptions.ProxyError(error)
    if isinstance(error, Urllib3SSLError):
        return exceptions.SSLError(error, request=request)
    if isinstance(error, ReadTimeoutError):
        return exceptions.ReadTimeout(error, request=request)
    if isinstance(error, Urllib3InvalidHeader):
        return exceptions.InvalidHeader(error, request=request)
    return None
