"""What the inbox keeps of the shops app's webhook payloads (named per topic in
connector/wiring.py › WEBHOOK_PAYLOAD_REDUCERS, applied before a verified delivery is stored).

Owns: the fields of an ``orders/create`` payload the app uses — the buyer to message, the
contact field values, the order's Dropi identity and the checks made on an order (payment,
channel, tags, times) — and dropping the rest. A Shopify order carries far more personal data
than that (the browser's IP and user agent, the customer's marketing consents and saved
addresses, line item properties a COD form fills with ID numbers, payment details, the
order status URL and its token); none of it is stored. Pure: no I/O, never raises.

A handler that starts reading another field of an order adds it here, or it will find it
missing (the reduced payload is all the handler and a later retry ever see).
"""

from __future__ import annotations

from typing import Any

ORDER_FIELDS = (
    "id",
    "admin_graphql_api_id",
    "name",
    "order_number",
    "email",
    "contact_email",
    "phone",
    "created_at",
    "processed_at",
    "updated_at",
    "cancelled_at",
    "closed_at",
    "currency",
    "presentment_currency",
    "total_price",
    "subtotal_price",
    "total_discounts",
    "total_tax",
    "financial_status",
    "fulfillment_status",
    "gateway",
    "payment_gateway_names",
    "source_name",
    "app_id",
    "location_id",
    "tags",
    "note",
    "checkout_token",
    "cart_token",
    "confirmed",
    "test",
)
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "name",
    "phone",
    "address1",
    "address2",
    "city",
    "province",
    "province_code",
    "zip",
    "country",
    "country_code",
)
CUSTOMER_FIELDS = ("id", "email", "phone", "first_name", "last_name")
LINE_ITEM_FIELDS = (
    "id",
    "product_id",
    "variant_id",
    "sku",
    "title",
    "name",
    "variant_title",
    "quantity",
    "price",
    "requires_shipping",
    "gift_card",
    "vendor",
)
SHIPPING_LINE_FIELDS = ("title", "code", "source", "price")


# JSON's scalars as json.loads makes them: the exact types are checked first (the intake reduces
# every order on its hot path), subclasses through isinstance.
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
_SCALARS = (str, int, float, bool, type(None))
_ABSENT = object()


def _scalar(value: Any) -> bool:
    return type(value) in _SCALAR_TYPES or isinstance(value, _SCALARS)


def _plain(value: Any) -> bool:
    """A value kept as it came: a scalar, or a list of scalars (``payment_gateway_names``)."""
    if isinstance(value, list):
        return all(_scalar(item) for item in value)
    return _scalar(value)


def _pick(raw: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    picked = {}
    for key in fields:
        value = raw.get(key, _ABSENT)
        if value is not _ABSENT and _plain(value):
            picked[key] = value
    return picked


def _picked_list(raw: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [_pick(item, fields) for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def order_payload_reduced(payload: dict[str, Any]) -> dict[str, Any]:
    """The ``orders/create`` payload as the inbox stores it: the fields of ``ORDER_FIELDS``, the
    shipping and billing addresses and the customer reduced to what a delivery and a Dropi
    order read, the line items and shipping lines to their product, price and quantity. A key
    Shopify did not send stays absent (null stays null: redacted data is still visible as such)."""
    reduced = _pick(payload, ORDER_FIELDS)
    for key, fields in (
        ("shipping_address", ADDRESS_FIELDS),
        ("billing_address", ADDRESS_FIELDS),
        ("customer", CUSTOMER_FIELDS),
    ):
        if key in payload:
            reduced[key] = _pick(payload[key], fields) if isinstance(payload[key], dict) else None
    if "line_items" in payload:
        reduced["line_items"] = _picked_list(payload["line_items"], LINE_ITEM_FIELDS)
    if "shipping_lines" in payload:
        reduced["shipping_lines"] = _picked_list(payload["shipping_lines"], SHIPPING_LINE_FIELDS)
    return reduced
