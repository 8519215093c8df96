"""The outbound HTTP choke point against a real local server (and ``responses`` where a real
server cannot produce the case): pools, timeouts, classification, delays, secrets in errors, caps,
redirects."""

import datetime
import io
import logging
import math
import socket
import threading
import time
import traceback
from email.utils import format_datetime

import pytest
import requests
import responses

from connector import http
from connector.dropi.client import DropiClient
from connector.dropi.errors import DropiRateLimited
from connector.ecomdrop.client import EcomdropClient
from connector.ecomdrop.errors import EcomdropRateLimited, EcomdropUnavailable
from connector.shopify.errors import ShopifyThrottled
from connector.shopify.graphql import ShopifyAdminClient
from connector.tests.test_startup import PRODUCTION_ENV, assert_one_line_error, manage
from connector.theme_source.client import ArchiveUrlClient, GitHubClient
from connector.theme_source.errors import ThemeSourceUnavailable

Kind, Reason = http.Kind, http.Reason


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def failure_of(call) -> http.HttpError:
    with pytest.raises(http.HttpError) as caught:
        call()
    return caught.value


def test_client_objects_of_one_host_share_one_kept_alive_connection(server, settings):
    settings.ECOMDROP_API_URL = f"{server.base_url}/api"

    for _ in range(5):
        assert EcomdropClient(api_key="ecomdrop-key-1").account().name == "Tienda"
    http.request("GET", f"{server.base_url}/json")

    assert server.connections == 1


@pytest.mark.parametrize(
    "call",
    [
        {"method": "GET", "params": {"q": "ñandú & co", "page": "2"}, "headers": {"X-Api-Key": "k-1"}},
        {"method": "POST", "json": {"nombre": "Añá", "n": [1, 2]}, "headers": {"Accept": "application/json"}},
        {"method": "POST", "data": {"a": "1 2", "b": "é"}},
        {"method": "PUT", "json": None, "headers": {"User-Agent": None}},
    ],
)
def test_the_direct_send_puts_on_the_wire_what_a_requests_session_would(server, call):
    """A plain call skips the session's per-call merging (``http_session.session_send``); the server sees the
    very request a ``requests.Session`` with the same adapter sends."""
    url = f"{server.base_url}/json"
    session = http._session()
    assert http.session_is_plain(session)

    http.request(url=url, **call)
    http.request(url=url, session=session, **call)

    direct, through_session = server.seen
    assert direct == through_session
    assert direct["method"] == call["method"]


def answer_facts(response: requests.Response) -> dict:
    return {
        "status": response.status_code,
        "reason": response.reason,
        "url": response.url,
        # The server's clock, not the client, sets Date: two calls may straddle a second.
        "headers": {name: value for name, value in response.headers.items() if name.lower() != "date"},
        "encoding": response.encoding,
        "content": response.content,
        "text": response.text,
        "method": response.request.method,
    }


@pytest.mark.parametrize(
    "path", ["/json", "/status/503?retry_after=7", "/html", "/gzip", "/bytes?n=100000&chunked=1", "/redirect?to=/json"]
)
def test_the_direct_send_answers_what_a_requests_session_answers(server, path):
    """A plain call skips the session's per-call merging (``http_session.session_send``): its
    answer is the one a ``requests.Session`` builds, body decoded and read whole."""
    url = f"{server.base_url}{path}"

    direct = http.request("GET", url)
    through_session = http.request("GET", url, session=http._session())

    assert answer_facts(direct) == answer_facts(through_session)
    assert direct.raw.connection is None  # the connection went back to the pool
    if path == "/gzip":
        assert direct.json() == {"comprimido": "sí"}


@pytest.mark.parametrize(("method", "kind"), [("GET", Kind.RETRYABLE), ("POST", Kind.AMBIGUOUS)])
@pytest.mark.parametrize("path", ["/short", "/stall?seconds=1"])
def test_an_answer_cut_short_or_stalled_is_a_lost_connection_either_way(server, method, kind, path):
    url = f"{server.base_url}{path}"

    direct = failure_of(lambda: http.request(method, url, timeout=0.3))
    through_session = failure_of(lambda: http.request(method, url, timeout=0.3, session=http._session()))

    expected = (Reason.CONNECTION_LOST, kind)
    assert (direct.reason, direct.kind) == (through_session.reason, through_session.kind) == expected


def test_a_thread_reuses_the_connection_another_thread_left_idle(server):
    for _ in range(2):
        worker = threading.Thread(target=http.request, args=("GET", f"{server.base_url}/json"))
        worker.start()
        worker.join()

    assert len(server.seen) == 2
    assert server.connections == 1


@pytest.mark.parametrize(("pool_size", "connections"), [(1, 5), (10, 3)])
def test_each_host_keeps_at_most_the_configured_idle_connections(server, settings, pool_size, connections):
    settings.HTTP_POOL_MAXSIZE = pool_size
    settings.WORKER_CONCURRENCY = 0
    http.pools_reset()

    def burst():
        calls = [
            threading.Thread(target=http.request, args=("GET", f"{server.base_url}/slow?seconds=0.3")) for _ in range(3)
        ]
        for call in calls:
            call.start()
        for call in calls:
            call.join()

    burst()
    burst()

    assert server.connections == connections


def test_the_pool_keeps_one_idle_connection_per_slot_of_the_worker(server, settings):
    settings.HTTP_POOL_MAXSIZE = 1
    settings.WORKER_CONCURRENCY = 3  # three rows at once reuse three connections
    http.pools_reset()

    for _ in range(2):
        calls = [
            threading.Thread(target=http.request, args=("GET", f"{server.base_url}/slow?seconds=0.3")) for _ in range(3)
        ]
        for call in calls:
            call.start()
        for call in calls:
            call.join()

    assert server.connections == 3


def test_a_reset_closes_the_pooled_connections(server):
    http.request("GET", f"{server.base_url}/json")
    http.pools_reset()
    http.request("GET", f"{server.base_url}/json")

    assert server.connections == 2


def test_no_cookie_is_kept_from_one_call_to_the_next(server):
    http.request("GET", f"{server.base_url}/json")
    http.request("GET", f"{server.base_url}/json")

    assert "cookie" not in server.seen[1]["headers"]


def test_calls_are_counted_per_host_redirects_included(server):
    with http.count_calls() as calls:
        http.request("GET", f"{server.base_url}/json")
        http.request("GET", f"{server.base_url}/redirect?to=/json", allow_redirects=True)
    http.request("GET", f"{server.base_url}/json")

    assert calls == {f"127.0.0.1:{server.port}": 3}


# --------------------------------------------------------------------------- timeouts
def test_every_call_has_a_connect_and_read_timeout(settings):
    settings.HTTP_TIMEOUT_SECONDS = 7

    assert http.timeouts() == (7.0, 7.0)
    assert http.timeouts(0.5) == (0.5, 0.5)
    assert http.timeouts((1, 2)) == (1.0, 2.0)
    for unbounded in (0, -1, math.inf, math.nan, (None, 3)):
        assert 7.0 in http.timeouts(unbounded)


@pytest.mark.parametrize(
    "variable", ["HTTP_TIMEOUT_SECONDS=0", "HTTP_POOL_MAXSIZE=0", "HTTP_MAX_RETRY_AFTER_SECONDS=-1"]
)
def test_a_timeout_pool_or_ceiling_that_is_not_positive_refuses_to_start(variable):
    name, value = variable.split("=")

    assert_one_line_error(manage("check", env={**PRODUCTION_ENV, name: value}), name)


@pytest.mark.parametrize(
    ("method", "read_only", "kind"),
    [("GET", None, Kind.RETRYABLE), ("POST", None, Kind.AMBIGUOUS), ("POST", True, Kind.RETRYABLE)],
)
def test_a_late_answer_times_out(server, method, read_only, kind):
    started = time.monotonic()

    failure = failure_of(
        lambda: http.request(method, f"{server.base_url}/slow?seconds=1", timeout=0.2, read_only=read_only)
    )

    assert time.monotonic() - started < 0.9
    assert (failure.reason, failure.kind) == (Reason.READ_TIMEOUT, kind)
    assert failure.may_have_been_processed is (kind is Kind.AMBIGUOUS)
    assert failure.retryable


# --------------------------------------------------------------------------- classification
@pytest.mark.parametrize(
    ("method", "status", "kind"),
    [
        *[(method, status, Kind.RETRYABLE) for method in ("GET", "POST") for status in (429, 503)],
        *[("GET", status, Kind.RETRYABLE) for status in (500, 502, 504)],
        *[("POST", status, Kind.AMBIGUOUS) for status in (500, 502, 504)],
        *[(method, status, Kind.FINAL) for method in ("GET", "POST") for status in (400, 401, 403, 404, 409, 422)],
        ("GET", 302, Kind.FINAL),
    ],
)
def test_error_statuses_are_classified(server, method, status, kind):
    path = "/redirect?to=/json" if status == 302 else f"/status/{status}"
    response = http.request(method, f"{server.base_url}{path}")

    failure = http.status_error(response)

    assert (failure.kind, failure.reason, failure.status) == (kind, Reason.STATUS, status)
    assert failure.retryable is (kind is not Kind.FINAL)


def test_a_success_is_no_failure_and_a_5xx_to_a_read_only_post_is_retryable(server):
    assert http.status_error(http.request("GET", f"{server.base_url}/json")) is None
    response = http.request("POST", f"{server.base_url}/status/502")

    assert http.status_error(response, read_only=True).kind is Kind.RETRYABLE


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_refused_connection_was_never_processed(method):
    failure = failure_of(lambda: http.request(method, f"http://127.0.0.1:{closed_port()}/x"))

    assert (failure.reason, failure.kind, failure.status) == (Reason.REFUSED, Kind.RETRYABLE, None)
    assert not failure.may_have_been_processed


@pytest.mark.parametrize(("method", "kind"), [("GET", Kind.RETRYABLE), ("POST", Kind.AMBIGUOUS)])
def test_a_connection_closed_after_the_request_went_out_is_ambiguous_for_a_write(server, method, kind):
    failure = failure_of(lambda: http.request(method, f"{server.base_url}/drop"))

    assert (failure.reason, failure.kind) == (Reason.CONNECTION_LOST, kind)


@responses.activate
def test_a_connect_timeout_is_retryable():
    responses.post("https://api.example.com/x", body=requests.ConnectTimeout("timed out"))

    failure = failure_of(lambda: http.request("POST", "https://api.example.com/x"))

    assert (failure.reason, failure.kind) == (Reason.CONNECT_TIMEOUT, Kind.RETRYABLE)


def test_a_request_that_cannot_be_sent_is_final():
    failure = failure_of(lambda: http.request("GET", "http://"))

    assert (failure.reason, failure.kind) == (Reason.INVALID_REQUEST, Kind.FINAL)


def test_an_answer_that_is_not_json_is_final_and_an_empty_one_may_be_allowed(server):
    failure = failure_of(lambda: http.read_json(http.request("GET", f"{server.base_url}/html")))

    assert (failure.reason, failure.kind, failure.status) == (Reason.UNREADABLE, Kind.FINAL, 200)
    assert http.read_json(http.request("GET", f"{server.base_url}/redirect?to=/json"), allow_empty=True) == {}
    assert http.read_json(http.request("GET", f"{server.base_url}/json")) == {"ok": True}


# --------------------------------------------------------------------------- delays
@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120), (" 7 ", 7), ("0", 0), ("-5", 0), ("1e12", 300), ("1e400", 300), ("inf", 300),
        ("nan", 30), ("garbage", 30), ("²", 30), ("", 30), (None, 30), ("Mon, 99 Foo 2020 25:61:00 GMT", 30),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0), ("Fri, 31 Dec 9999 23:59:59 GMT", 300),
    ],
)  # fmt: skip
def test_retry_after_is_parsed_and_clamped(value, seconds):
    assert http.retry_after_seconds(value, default=30.0) == seconds


def test_retry_after_as_an_http_date_and_the_configured_ceiling(settings):
    soon = format_datetime(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=90), usegmt=True)

    assert 85 <= http.retry_after_seconds(soon, default=30.0) <= 90
    assert http.retry_after_seconds("0", default=30.0, minimum=1.0) == 1.0
    settings.HTTP_MAX_RETRY_AFTER_SECONDS = 60
    assert http.retry_after_seconds("1e12", default=30.0) == 60


def test_a_429_asking_for_1e12_seconds_gives_a_wait_a_date_can_hold(server):
    failure = http.status_error(http.request("GET", f"{server.base_url}/status/429?retry_after=1e12"))

    assert failure.retry_after == 300
    assert datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=failure.wait_seconds(default=30))


@responses.activate
def test_every_vendor_clamps_a_retry_after_of_1e12(settings):
    settings.DROPI_API_URLS = {"CO": "https://api.dropi.test"}
    settings.DROPI_RATE_LIMIT_BACKOFF_SECONDS = 10
    settings.SHOPIFY_ADMIN_ORIGIN = "https://{shop}"
    settings.ECOMDROP_API_URL = "https://panel.ecomdrop.test/api"
    limited = {"status": 429, "headers": {"Retry-After": "1e12"}, "json": {}}
    responses.get("https://panel.ecomdrop.test/api/accounts/flows", **limited)
    responses.post("https://api.dropi.test/integrations/products/index", **limited)
    responses.post(f"https://tienda.myshopify.com/admin/api/{settings.SHOPIFY_API_VERSION}/graphql.json", **limited)
    responses.get("https://api.github.test/repos/ecomdrop/theme", **limited)

    class Tokens:
        def access_token(self):
            return "shpat_token"

    shopify = ShopifyAdminClient(shop="tienda.myshopify.com", tokens=Tokens(), max_throttle_retries=0)
    with pytest.raises(EcomdropRateLimited) as ecomdrop:
        EcomdropClient(api_key="ecomdrop-key-1").flows()
    with pytest.raises(DropiRateLimited) as dropi:
        DropiClient(token="dropi-token", country="CO").products()
    with pytest.raises(ShopifyThrottled) as throttled:
        shopify.execute("shop_info")
    with pytest.raises(ThemeSourceUnavailable) as github:
        GitHubClient(api_url="https://api.github.test", token="ghp_token").repository(repo="ecomdrop/theme")

    assert (ecomdrop.value.retry_after, dropi.value.retry_after) == (300, 300)
    assert (throttled.value.wait_seconds, github.value.wait_seconds) == (300, 300)


# --------------------------------------------------------------------------- secrets
def all_text_of(error: BaseException | None) -> str:
    """What a log or an error tracker records of an error: the messages of its whole chain."""
    texts = []
    while error is not None:
        texts.append("".join(traceback.format_exception_only(error)) + repr(error))
        error = error.__cause__ or error.__context__
    return "\n".join(texts)


def test_no_secret_reaches_the_error_its_chain_or_the_logs(caplog, settings):
    caplog.set_level(logging.DEBUG)
    port = closed_port()
    url = f"http://deploy:pw-123456@127.0.0.1:{port}/theme.zip?X-Amz-Signature=SIG-abcdef&token=TKN-abcdef"

    failure = failure_of(lambda: http.request("GET", url, headers={"X-ACCESS-TOKEN": "KEY-abcdef"}))
    with pytest.raises(ThemeSourceUnavailable) as theme:
        ArchiveUrlClient().download(url=url, destination=io.BytesIO(), max_bytes=1024)
    settings.ECOMDROP_API_URL = f"http://127.0.0.1:{port}/api"
    with pytest.raises(EcomdropUnavailable) as ecomdrop:
        EcomdropClient(api_key="KEY-abcdef").find_contact_by_phone(phone="+573001234567")

    assert failure.__cause__ is None
    assert failure.__context__ is None
    for text in (all_text_of(failure), all_text_of(theme.value), all_text_of(ecomdrop.value), caplog.text):
        for secret in ("pw-123456", "SIG-abcdef", "TKN-abcdef", "KEY-abcdef", "3001234567"):
            assert secret not in text


def test_debug_logging_never_shows_a_request_line_with_its_query(server, caplog):
    caplog.set_level(logging.DEBUG)

    http.request("GET", f"{server.base_url}/json?field_id=phone&value=%2B573001234567")

    assert "3001234567" not in caplog.text


# --------------------------------------------------------------------------- downloads and redirects
def test_an_announced_body_over_the_cap_is_refused_before_reading(server):
    destination = io.BytesIO()
    response = http.request("GET", f"{server.base_url}/bytes?n=4096", stream=True)

    failure = failure_of(lambda: http.download(response, destination, max_bytes=1024, deadline_seconds=5))

    assert (failure.reason, failure.kind) == (Reason.TOO_LARGE, Kind.FINAL)
    assert destination.getvalue() == b""


def test_a_streamed_body_stops_at_the_cap_and_one_under_it_is_copied(server):
    destination = io.BytesIO()
    response = http.request("GET", f"{server.base_url}/bytes?n=200000&chunked=1", stream=True)

    failure = failure_of(lambda: http.download(response, destination, max_bytes=100_000, deadline_seconds=5))

    assert failure.reason is Reason.TOO_LARGE
    assert len(destination.getvalue()) <= 100_000
    small = io.BytesIO()
    response = http.request("GET", f"{server.base_url}/bytes?n=5000", stream=True)
    assert http.download(response, small, max_bytes=5000, deadline_seconds=5) == 5000
    assert small.getvalue() == b"x" * 5000


def test_a_download_slower_than_its_deadline_is_retryable(server):
    response = http.request("GET", f"{server.base_url}/drip?chunks=30", stream=True)

    failure = failure_of(lambda: http.download(response, io.BytesIO(), max_bytes=10**6, deadline_seconds=0.3))

    assert (failure.reason, failure.kind) == (Reason.DEADLINE, Kind.RETRYABLE)


def test_credentials_are_dropped_when_a_redirect_leaves_the_host_and_kept_on_it(server):
    vendors = ("Authorization", "X-ACCESS-TOKEN", "dropi-integration-key", "X-Shopify-Access-Token", "PRIVATE-TOKEN")
    credentials = {name: f"secret-{number}" for number, name in enumerate(vendors)}
    headers = {**credentials, "X-Trace": "1"}
    elsewhere = f"http://localhost:{server.port}/json"

    http.request("GET", f"{server.base_url}/redirect?to=/json", headers=headers, allow_redirects=True)
    http.request("GET", f"{server.base_url}/redirect?to={elsewhere}", headers=headers, allow_redirects=True)

    same_host, other_host = server.seen[1]["headers"], server.seen[3]["headers"]
    assert all(same_host[name.lower()] == value for name, value in credentials.items())
    assert not {name.lower() for name in credentials} & set(other_host)
    assert other_host["x-trace"] == "1"


def test_a_session_reads_the_environment_once_unless_proxies_are_configured(monkeypatch):
    from connector.http_session import thread_session

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session = thread_session()
    assert session.trust_env is False  # requests does not walk os.environ on every call
    assert session.verify == "/etc/ssl/certs/ca-certificates.crt"

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert thread_session().trust_env is True  # proxies (and NO_PROXY) keep working per call
