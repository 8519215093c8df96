"""The plain exchange of ``connector.http_session`` (``plain_prepared`` / ``plain_send``): the
commonest call skips requests' preparation and adapter layers, so it must put on the wire,
answer and fail exactly as requests would — checked against requests itself."""

import pytest
import requests
import responses
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from urllib3 import exceptions as u3

from connector import http, http_session
from connector.tests.test_http import closed_port, failure_of

Kind, Reason = http.Kind, http.Reason


@pytest.fixture
def plain_sends(monkeypatch):
    """The URLs of the calls that took the plain path (``http_session.plain_send``)."""
    sent = []
    real = http.plain_send

    def recording(adapter, plain, **options):
        sent.append(plain.prepared.url)
        return real(adapter, plain, **options)

    monkeypatch.setattr(http, "plain_send", recording)
    return sent


def requests_prepared(session, method, url, headers, params, data, json) -> requests.PreparedRequest:
    """What ``session_send`` prepares through requests for the same call."""
    merged = CaseInsensitiveDict(session.headers)
    for name, value in (headers or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    prepared = requests.PreparedRequest()
    prepared.prepare_method(method)
    prepared.prepare_url(url, params)
    prepared.prepare_headers(merged)
    prepared.prepare_body(data, None, json)
    return prepared


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
PATH_PART = st.text(alphabet="abcXYZ019-_.~!$&'()*+,;=:@/ %?#ñ", max_size=12)


@settings(max_examples=400, deadline=None)
@given(
    host=st.sampled_from(
        ["127.0.0.1:8000", "api.example.com", "API.example.com", "tienda.myshopify.com:99999", "x_y.com"]
    ),
    scheme=st.sampled_from(["http", "https", "HTTP", "ftp"]),
    path=PATH_PART,
    params=st.none() | st.dictionaries(TEXT, TEXT, max_size=3),
    body=st.sampled_from(["none", "json", "form", "both"]),
    method=st.sampled_from(["GET", "post", "PUT", "HEAD"]),
    extra_headers=st.sampled_from([{}, {"user-agent": None}, {"ACCEPT": "text/plain"}, {"Content-Type": "text/csv"}]),
)
def test_a_plain_request_is_the_request_requests_prepares(host, scheme, path, params, body, method, extra_headers):
    session = http._session()
    url = f"{scheme}://{host}/{path}"
    json = {"nombre": "Añá", "n": [1, 2]} if body in ("json", "both") else None
    data = {"a": "1 2", "b": "é"} if body in ("form", "both") else None
    headers = {"X-ACCESS-TOKEN": "k-1", "Accept": "application/json", **extra_headers}

    plain = http_session.plain_prepared(session, method, url, headers, params, data, json)

    if plain is not None:
        expected = requests_prepared(session, method, url, headers, params, data, json)
        assert plain.prepared.method == expected.method
        assert plain.prepared.url == expected.url
        assert dict(plain.prepared.headers) == dict(expected.headers)
        assert plain.prepared.body == expected.body
        assert plain.path == expected.path_url
        assert (plain.scheme, plain.host) == (scheme, host.split(":")[0])


@pytest.mark.parametrize(
    ("url", "plain"),
    [
        ("http://api.example.com/contacts/42/send/f-1", True),
        ("https://tienda.myshopify.com:443/admin/api/2025-01/graphql.json", True),
        ("http://API.example.com/x", False),  # requests lower-cases the host
        ("http://api.example.com/a/./b/../c", False),  # and removes dot segments
        ("http://api.example.com/%41%20b", False),  # and unquotes unreserved escapes
        ("http://api.example.com/niño y más", False),  # and quotes what must be
        ("http://api.example.com/x?ya=1", False),  # a query of the URL's own
        ("http://api.example.com", False),  # no path: requests adds "/"
        ("http://user:pw@api.example.com/x", False),
        ("ftp://api.example.com/x", False),
    ],
)
def test_only_a_url_requests_leaves_as_it_is_takes_the_plain_path(url, plain):
    assert (http_session.plain_prepared(http._session(), "GET", url, None, {"q": "1"}, None, None) is not None) is plain


@pytest.mark.parametrize(
    "path", ["/json", "/json/a;b=c/x@y", "/json/./x", "/json/%41", "/json/niño y más", "/json?ya=1", "/json//dos"]
)
@pytest.mark.parametrize(
    "call",
    [
        {"method": "GET", "params": {"q": "ñandú & co", "page": "2"}, "headers": {"X-Api-Key": "k-1"}},
        {"method": "GET", "params": {"page": 2, "ids": ["1", "2"], "none": None}},  # not strings: requests encodes
        {"method": "POST", "json": {"nombre": "Añá"}, "headers": {"Content-Type": "application/vnd+json"}},
        {"method": "POST", "data": {"a": "1 2"}, "json": {"ignored": True}},
        {"method": "DELETE"},
    ],
)
def test_the_plain_path_and_requests_put_the_same_request_on_the_wire(server, path, call, plain_sends):
    url = f"{server.base_url}{path}"
    arguments = {name: call.get(name) for name in ("headers", "params", "data", "json")}
    takes_plain_path = http_session.plain_prepared(http._session(), call["method"], url, **arguments) is not None

    http.request(url=url, **call)
    http.request(url=url, session=http._session(), **call)

    plain, through_requests = server.seen
    assert plain == through_requests
    assert len(plain_sends) == int(takes_plain_path)  # the second call went through requests


def test_a_plain_call_is_counted_and_reuses_the_kept_alive_connection(server):
    with http.count_calls() as counted:
        for _ in range(3):
            http.request("GET", f"{server.base_url}/json")

    assert counted == {server.base_url.removeprefix("http://"): 3}
    assert server.connections == 1


def facts(failure: http.HttpError) -> tuple:
    return failure.kind, failure.reason, str(failure)


def raising(error):
    def urlopen(self, *args, **kwargs):
        raise error

    return urlopen


POOL = urllib3.HTTPConnectionPool("127.0.0.1", 9)
URLLIB3_ERRORS = [
    u3.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")),
    ConnectionResetError(104, "reset"),
    u3.MaxRetryError(POOL, "/x", u3.ConnectTimeoutError(None, "connect timed out")),
    u3.MaxRetryError(POOL, "/x", u3.NewConnectionError(None, "refused")),
    u3.MaxRetryError(POOL, "/x", u3.ResponseError("too many 500 error responses")),
    u3.MaxRetryError(POOL, "/x", u3.ProxyError("proxy", OSError("down"))),
    u3.MaxRetryError(POOL, "/x", u3.SSLError("handshake")),
    u3.MaxRetryError(POOL, "/x", u3.DecodeError("other")),
    u3.ClosedPoolError(POOL, "Pool is closed."),
    u3.ProxyError("proxy", OSError("down")),
    u3.SSLError("bad certificate"),
    u3.ReadTimeoutError(POOL, "/x", "Read timed out."),
    u3.InvalidHeader("bad header"),
]


@pytest.mark.parametrize("error", URLLIB3_ERRORS, ids=lambda error: type(error).__name__)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_transport_error_is_the_one_requests_adapter_raises(monkeypatch, error, method, plain_sends):
    monkeypatch.setattr(urllib3.HTTPConnectionPool, "urlopen", raising(error))
    url = f"http://127.0.0.1:{closed_port()}/x"

    plain = failure_of(lambda: http.request(method, url))
    through_requests = failure_of(lambda: http.request(method, url, session=http._session()))

    assert plain_sends == [url]
    assert facts(plain) == facts(through_requests)


def test_an_error_requests_lets_through_goes_through_the_plain_path_too(monkeypatch):
    monkeypatch.setattr(urllib3.HTTPConnectionPool, "urlopen", raising(u3.DecodeError("not gzip")))
    url = f"http://127.0.0.1:{closed_port()}/x"

    for session in (None, http._session()):
        with pytest.raises(u3.DecodeError):
            http.request("GET", url, session=session)


@pytest.mark.parametrize(
    "call",
    [
        {"headers": {"X-Api-Key": "k\r\nX-Injected: 1"}},
        {"headers": {"X-Api-Key": " k"}},
        {"json": {"total": float("nan")}},
    ],
)
def test_a_request_requests_would_refuse_is_refused_on_the_plain_path(server, call):
    url = f"{server.base_url}/json"

    plain = failure_of(lambda: http.request("POST", url, **call))
    through_requests = failure_of(lambda: http.request("POST", url, session=http._session(), **call))

    assert facts(plain)[:2] == facts(through_requests)[:2] == (Kind.FINAL, Reason.INVALID_REQUEST)
    assert server.seen == []


@responses.activate
def test_a_mocked_adapter_sees_every_call(plain_sends):
    responses.get("http://api.example.com/contacts", json={"ok": True})

    assert http.request("GET", "http://api.example.com/contacts", params={"q": "1"}).json() == {"ok": True}
    assert responses.calls[0].request.url == "http://api.example.com/contacts?q=1"
    assert plain_sends == []


def test_the_pool_keys_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(http_session, "_POOL_KEYS", {})
    monkeypatch.setattr(http_session, "_POOL_KEYS_MAX", 3)

    for _ in range(5):
        failure_of(lambda: http.request("GET", f"http://127.0.0.1:{closed_port()}/x"))

    assert 1 <= len(http_session._POOL_KEYS) <= 3
