"""The ``requests.Session`` each thread puts in front of the process's pools (``connector.http``).

Owns: what a session keeps and reads — no cookies (nothing of one merchant's call rides on
another's), credential headers stripped on a redirect to another host, and the environment
read once when the session is made instead of on every call: without proxy variables,
requests would otherwise walk the whole environment for proxies, ``NO_PROXY`` and CA bundles
on each request (measured: a fifth of a flow delivery's CPU). With proxy variables set,
requests keeps reading them per call (``NO_PROXY`` is then honoured per host). Also sends one
exchange of such a plain session without ``Session.request``'s per-call merging
(``session_send``, used by ``connector.http.request``).
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Mapping
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

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
    through the mounted adapter, so pools, counting and the unit tests' mock see it alike."""
    merged: CaseInsensitiveDict[str | bytes] = CaseInsensitiveDict(session.headers)
    for name, value in (headers or {}).items():
        if value is None:
            merged.pop(name, None)  # as requests merges: None removes a session header
        else:
            merged[name] = value
    prepared = requests.PreparedRequest()
    prepared.prepare_method(method)
    prepared.prepare_url(url, params)
    prepared.prepare_headers(merged)
    prepared.prepare_body(data, None, json)
    adapter = session.get_adapter(url=str(prepared.url))
    verify = True if session.verify is None else session.verify
    response = adapter.send(prepared, stream=stream, timeout=timeout, verify=verify, cert=None, proxies={})
    if not stream:
        response.content  # noqa: B018 (read the whole answer now, as Session.send does)
    return response
