"""The address a request comes from, behind proxies or not.

Owns: which address unauthenticated traffic is limited by. ``REMOTE_ADDR`` is the peer of
this process; when that peer is a trusted proxy (TRUSTED_PROXIES: addresses or networks), the
client is the right-most ``X-Forwarded-For`` hop that is not a trusted proxy itself. Each
proxy appends the address it got the request from, so the hops left of that one are whatever
the client wrote and are never read. Limits count IPv6 clients by their /64, the network one
subscriber gets. Must not trust ``X-Forwarded-For`` from a peer that is not a trusted proxy.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # settings.py imports this module: nothing of django.http at import time
    from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "0.0.0.0"  # noqa: S104  (a peer without a readable address: one shared bucket)


def first_invalid_network(values: Iterable[str]) -> str | None:
    """The first of ``values`` that is neither an IP address nor a network (None: all are)."""
    for value in values:
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return value
    return None


@functools.lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> list[Network]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values]


def _parse(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket: its own address, not one of ::ffff:0:0/96.
    return address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address


def _trusted(address: Address, networks: list[Network]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request: HttpRequest) -> Address | None:
    """The client's address (None when the peer's own address is unreadable)."""
    networks = _networks(tuple(str(value) for value in settings.TRUSTED_PROXIES))
    peer = _parse(str(request.META.get("REMOTE_ADDR", "")))
    if peer is None or not _trusted(peer, networks):
        return peer
    hops = [hop for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break  # written by the client: the last trusted proxy's peer is the answer
        client = address
        if not _trusted(address, networks):
            break
    return client


def client_address(request: HttpRequest) -> str:
    """The client's address as text (``0.0.0.0`` when unreadable)."""
    address = client_ip(request)
    return str(address) if address is not None else UNKNOWN


def client_address_key(request: HttpRequest) -> str:
    """What limits count by: the client's IPv4 address, or the first address of its IPv6 /64."""
    address = client_ip(request)
    if address is None:
        return UNKNOWN
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def axes_client_address(request: HttpRequest) -> str:
    """django-axes' AXES_CLIENT_IP_CALLABLE: admin log-in failures count by the same key."""
    return client_address_key(request)
