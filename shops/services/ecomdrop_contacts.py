"""What flow deliveries need from a merchant's Ecomdrop account, and the buyer's contact there.

Owns: which contact custom field receives each order value (defaults and the shop's
overrides), the account's custom fields and flows (cached per API key, never keyed by the key
itself), whether a flow exists, and the contact steps of a delivery: find or create the
buyer's contact and set the order's fields, skipping what an earlier attempt did. Must not
write deliveries (the caller records the progress) nor send a flow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

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
    # What the bot needs to place the order in Dropi (shops.services.dropi_lines).
    "dropi_lines": "pedido_dropi_json",
    "address1": "pedido_direccion1",
    "address2": "pedido_direccion2",
    "dropi_city": "pedido_ciudad_dropi",
    "province": "pedido_departamento",
    "province_code": "pedido_departamento_codigo",
    "zip": "pedido_codigo_postal",
    "country_code": "pedido_pais",
    "note": "pedido_nota",
    "gateway": "pedido_pasarela",
    "cod": "pedido_contra_entrega",
    # Shipping updates (shops.services.shipping_transitions).
    "guia": "guia",
    "carrier": "transportadora",
    "tracking_url": "tracking_url",
    "shipping_stage": "estado_envio",
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


SHIPPING_FIELD_KEYS = ("guia", "carrier", "tracking_url", "shipping_stage")


def ecomdrop_contact_field_names_in_use(*, configuration: ShopConfiguration) -> dict[str, str]:
    """The fields the shop's deliveries write: the shipping ones only once a shipping stage has a
    WhatsApp flow (a shop without shipping updates is not asked to create them)."""
    names = ecomdrop_contact_field_names(configuration=configuration)
    flows = configuration.shipping_flows if isinstance(configuration.shipping_flows, dict) else {}
    if not any(isinstance(chosen, dict) and chosen.get("flow_id") for chosen in flows.values()):
        names = {key: name for key, name in names.items() if key not in SHIPPING_FIELD_KEYS}
    return names


def _cached_ids(kind: str, api_key: str, fetch: Callable[[], dict[str, str]], *, fresh: bool = False) -> dict[str, str]:
    """``{name: id}`` (custom fields) or ``{id: name}`` (flows) of the account, cached per key."""
    key = ecomdrop_account_cache_key(kind, api_key)
    cached: dict[str, str] | None = None if fresh else cache.get(key)
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


@dataclass
class ContactProgress:
    """How far the contact steps of one delivery got; kept on the delivery between attempts,
    so a retry continues where the last attempt stopped. Updated as each step succeeds."""

    contact_id: str = ""
    fields_set: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)  # fields the account lacks (never sent)


@dataclass(frozen=True)
class Buyer:
    phone: str
    email: str | None
    first_name: str | None
    last_name: str | None


def ecomdrop_contact_prepare(
    *,
    client: EcomdropClient,
    api_key: str,
    buyer: Buyer,
    values_by_name: dict[str, str],
    progress: ContactProgress,
    before_call: Callable[[], None],
) -> None:
    """Find or create the buyer's contact and set each order value on its custom field.

    ``before_call`` runs before every Ecomdrop call (the caller renews its lease there and may
    stop by raising). Fields the account lacks are listed in ``progress.missing`` and never
    sent. Raises EcomdropError; ``progress`` then says what was done.
    """
    field_ids: dict[str, str] = {}
    if values_by_name:
        before_call()
        field_ids = ecomdrop_custom_field_ids(client, api_key)
        # The account lacks these contact fields: the data cannot be stored (said on the
        # delivery and on the Configuración page), never sent as unknown fields.
        progress.missing = {name for name in values_by_name if name not in field_ids}
    known = {name: value for name, value in values_by_name.items() if name in field_ids}
    if not progress.contact_id:
        before_call()
        contact = client.find_contact_by_phone(phone=buyer.phone)
        if contact is None:
            before_call()
            contact = client.create_contact(
                phone=buyer.phone,
                email=buyer.email,
                first_name=buyer.first_name,
                last_name=buyer.last_name,
                fields=known,
            )
            progress.fields_set = set(known)
        progress.contact_id = contact.id[:255]
    for name, value in known.items():
        if name not in progress.fields_set:
            before_call()
            client.set_contact_field(contact_id=progress.contact_id, field_id=field_ids[name], value=value)
            progress.fields_set.add(name)
