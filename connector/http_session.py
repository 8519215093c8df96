"""The ``requests.Session`` each thread puts in front of the process's pools (``connector.http``).

Owns: what a session keeps and reads — no cookies (nothing of one merchant's call rides on
another's), credential headers stripped on a redirect to another host, and the environment
read once when the session is made instead of on every call: without proxy variables,
requests would otherwise walk the whole environment for proxies, ``NO_PROXY`` and CA bundles
on each request (measured: a fifth of a flow delivery's CPU). With proxy variables set,
requests keeps reading them per call (``NO_PROXY`` is then honoured per host).
"""

from __future__ import annotations

import os
import urllib.request
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests

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
