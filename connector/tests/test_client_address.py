"""connector/client_address.py: the client behind trusted proxies, never what a client wrote."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from connector.client_address import client_address, client_address_key

PROXIES = ["127.0.0.1", "10.0.0.0/8"]


def request(remote: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("203.0.113.5", None, "203.0.113.5"),  # no proxy
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not a trusted proxy: the header is the client's
        ("127.0.0.1", "198.51.100.1", "198.51.100.1"),  # one proxy
        ("127.0.0.1", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client wrote the left hop
        ("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", "198.51.100.1"),  # two proxies
        ("127.0.0.1", "10.9.9.9, 10.1.2.3", "10.9.9.9"),  # every hop trusted: the left-most
        ("127.0.0.1", "", "127.0.0.1"),  # a local request through the proxy
        ("127.0.0.1", "not-an-address, 10.1.2.3", "10.1.2.3"),  # garbage stops the walk
        ("::ffff:203.0.113.5", None, "203.0.113.5"),  # IPv4 on a dual-stack socket
        ("127.0.0.1", "[2001:db8::1]:4711", "2001:db8::1"),
        ("127.0.0.1", "198.51.100.1:5555", "198.51.100.1"),
    ],
)
def test_the_client_is_the_right_most_hop_past_the_trusted_proxies(settings, remote, forwarded, client):
    settings.TRUSTED_PROXIES = PROXIES

    assert client_address(request(remote, forwarded)) == client


def test_limits_count_an_ipv6_client_by_its_64(settings):
    settings.TRUSTED_PROXIES = PROXIES

    first = client_address_key(request("2001:db8:1:2:aaaa::1"))
    second = client_address_key(request("2001:db8:1:2:bbbb::7"))
    elsewhere = client_address_key(request("2001:db8:1:3::1"))

    assert first == second == "2001:db8:1:2::"
    assert elsewhere != first
    assert client_address_key(request("203.0.113.5")) == "203.0.113.5"


def test_an_unreadable_peer_is_one_shared_key(settings):
    assert client_address_key(request("")) == "0.0.0.0"  # noqa: S104


def test_an_invalid_trusted_proxy_stops_the_start_with_one_line():
    from connector.tests.test_startup import PRODUCTION_ENV, assert_one_line_error, manage

    result = manage("check", env={**PRODUCTION_ENV, "TRUSTED_PROXIES": "127.0.0.1,proxy.internal"})

    assert_one_line_error(result, "TRUSTED_PROXIES: 'proxy.internal' is not an IP address or network")
