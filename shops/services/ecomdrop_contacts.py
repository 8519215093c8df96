"""What flow deliveries need to know about a merchant's Ecomdrop account.

Owns: which contact custom field receives each order value (defaults and the shop's
overrides), the account's custom fields and flows (cached per API key, never keyed by the key
itself), and whether a flow exists. Must not write deliveries.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache

from connector.ecomdrop.client import EcomdropClient
from shops.models import ShopConfiguration

DEFAULT_FIELD_NAMES = {
    "order_name": "pedido_nombre",
    "order_total": "pedido_total",
    "currency": "pedido_moneda",
    "products": "pedido_productos",
    "address": "pedido_direccion",
    "city": "pedido_ciudad",
    "payment": "pedido_pago",
    "admin_url": "pedido_url",
    "order_id": "pedido_id",
    "cart_url": "carrito_url",
}
CUSTOM_FIELDS_CACHE_SECONDS = 300


def ecomdrop_account_cache_key(kind: str, api_key: str) -> str:
    """The cache key of what is kept about an Ecomdrop account (``kind``: flows, flow-ids,
    custom-fields); the API key itself never becomes a cache key."""
    return f"ecomdrop:{kind}:" + hashlib.sha256(api_key.encode()).hexdigest()[:32]


def ecomdrop_contact_field_names(*, configuration: ShopConfiguration) -> dict[str, str]:
    """The contact custom field each order value goes to: the defaults with the shop's overrides."""
    names = dict(DEFAULT_FIELD_NAMES)
    overrides = configuration.ecomdrop_field_names if isinstance(configuration.ecomdrop_field_names, dict) else {}
    names.update({key: str(value) for key, value in overrides.items() if key in names and value})
    return names


def _cached_ids(kind: str, api_key: str, fetch: Any, *, fresh: bool = False) -> dict[str, str]:
    """``{name: id}`` (custom fields) or ``{id: name}`` (flows) of the account, cached per key."""
    key = ecomdrop_account_cache_key(kind, api_key)
    cached = None if fresh else cache.get(key)
    if cached is None:
        cached = fetch()
        cache.set(key, cached, CUSTOM_FIELDS_CACHE_SECONDS)
    return cached


def ecomdrop_custom_field_ids(client: EcomdropClient, api_key: str, *, fresh: bool = False) -> dict[str, str]:
    """``{name: id}`` of the account's contact custom fields, cached per key."""
    return _cached_ids(
        "custom-fields", api_key, lambda: {field.name: field.id for field in client.custom_fields()}, fresh=fresh
    )


def ecomdrop_flow_exists(client: EcomdropClient, api_key: str, flow_id: str) -> bool:
    """Ecomdrop answers success when sending an unknown flow, so the flow is checked first (a
    flow missing from the cached list is checked again against a fresh one)."""

    def fetch() -> dict[str, str]:
        return {flow.id: flow.name for flow in client.flows()}

    # Its own entry: the flow pickers cache the same list in another shape (configuration.py).
    return flow_id in _cached_ids("flow-ids", api_key, fetch) or flow_id in _cached_ids(
        "flow-ids", api_key, fetch, fresh=True
    )
