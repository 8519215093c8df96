"""Order and checkout payloads as flow deliveries keep them: the buyer and the contact field values.

Owns: reading a Shopify order or checkout payload (every PII field may be redacted or null)
into who to message (a valid E.164 phone, email, names) and the order data set on the buyer's
Ecomdrop contact, by logical name. Must not write anything nor call a vendor.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

from connector.crypto import keyed_hashes
from shops.models import FlowDelivery

Skip = FlowDelivery.SkipReason

CASH_ON_DELIVERY_WORDS = ("cash on delivery", "(cod)", "contra entrega", "contraentrega", "contra-entrega")


@dataclass(frozen=True)
class BuyerSnapshot:
    phone: str | None
    phone_problem: str  # "" | Skip.NO_PHONE | Skip.INVALID_PHONE
    email: str | None
    first_name: str | None
    last_name: str | None
    customer_id: str


def clean_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def normalise_buyer_phone(raw_phones: list[Any], *, regions: list[str | None]) -> tuple[str | None, str]:
    """The first phone that parses as a valid number (E.164), trying each default region.

    Returns (phone, problem) where problem is "" or a skip reason.
    """
    candidates = [clean_text(phone) for phone in raw_phones if clean_text(phone)]
    if not candidates:
        return None, Skip.NO_PHONE
    for raw in candidates:
        for region in [*(region for region in regions if region), None]:
            try:
                parsed = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(parsed):
                return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), ""
    return None, Skip.INVALID_PHONE


def buyer_snapshot(payload: dict[str, Any], *, default_country: str | None) -> BuyerSnapshot:
    """Who to message, from an order or checkout payload (every PII field may be redacted/null)."""
    shipping = _dict(payload.get("shipping_address"))
    billing = _dict(payload.get("billing_address"))
    customer = _dict(payload.get("customer"))
    phone, problem = normalise_buyer_phone(
        [payload.get("phone"), shipping.get("phone"), billing.get("phone"), customer.get("phone")],
        regions=[clean_text(shipping.get("country_code")).upper() or None, default_country],
    )
    return BuyerSnapshot(
        phone=phone,
        phone_problem=problem,
        email=clean_text(payload.get("email") or payload.get("contact_email") or customer.get("email")) or None,
        first_name=clean_text(shipping.get("first_name") or customer.get("first_name") or billing.get("first_name"))
        or None,
        last_name=clean_text(shipping.get("last_name") or customer.get("last_name") or billing.get("last_name"))
        or None,
        customer_id=clean_text(customer.get("id")),
    )


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):.2f}"
    except (InvalidOperation, ValueError):
        return clean_text(value)


def _products(line_items: Any) -> str:
    lines = []
    for item in line_items if isinstance(line_items, list) else []:
        item = _dict(item)
        title = clean_text(item.get("title") or item.get("name"))
        variant = clean_text(item.get("variant_title"))
        if variant and variant.lower() != "default title":
            title = f"{title} ({variant})"
        lines.append(f"{item.get('quantity', 1)}x {title}".strip())
    return "; ".join(lines)[:2000]


def _address(address: dict[str, Any]) -> str:
    parts = [clean_text(address.get(key)) for key in ("address1", "address2", "province", "country")]
    return ", ".join(part for part in parts if part)[:1000]


def payment_gateway(order: dict[str, Any]) -> tuple[str, bool]:
    """The order's payment gateway and whether it is cash on delivery."""
    gateways = [clean_text(name) for name in order.get("payment_gateway_names") or [] if clean_text(name)]
    gateway = gateways[0] if gateways else clean_text(order.get("gateway"))
    is_cod = gateway.lower() == "cod" or any(word in gateway.lower() for word in CASH_ON_DELIVERY_WORDS)
    return gateway, is_cod


def order_field_values(shop: str, order: dict[str, Any]) -> dict[str, str]:
    """The order data set on the buyer's contact, by logical name (see DEFAULT_FIELD_NAMES)."""
    shipping = _dict(order.get("shipping_address")) or _dict(order.get("billing_address"))
    gateway, is_cod = payment_gateway(order)
    values = {
        "order_name": clean_text(order.get("name")),
        "order_total": _money(order.get("total_price")),
        "currency": clean_text(order.get("currency") or order.get("presentment_currency")),
        "products": _products(order.get("line_items")),
        "address": _address(shipping),
        "city": clean_text(shipping.get("city")),
        "payment": "Contra entrega" if is_cod else gateway,
        "admin_url": f"https://{shop}/admin/orders/{clean_text(order.get('id'))}",
        "order_id": clean_text(order.get("id")),
    }
    return {key: value for key, value in values.items() if value}


def checkout_field_values(checkout: dict[str, Any]) -> dict[str, str]:
    values = {
        "order_total": _money(checkout.get("total_price")),
        "currency": clean_text(checkout.get("currency") or checkout.get("presentment_currency")),
        "products": _products(checkout.get("line_items")),
        "cart_url": clean_text(checkout.get("abandoned_checkout_url") or checkout.get("invoice_url")),
    }
    return {key: value for key, value in values.items() if value}


# Gateways Shopify and COD form apps use for manual payment (unverified beyond "manual").
MANUAL_GATEWAY_WORDS = ("manual", "bank deposit", "money order", "transferencia", "consignación", "consignacion")
PAID_STATUSES = ("paid", "partially_paid", "authorized", "partially_refunded", "refunded")


def buyer_phone_key(phone: str | None) -> str:
    """The key deliveries to one buyer share (a keyed hash of the E.164 phone; "" without one)."""
    return keyed_hashes(phone, purpose="flow-delivery-buyer")[0] if phone else ""


def payment_category(order: dict[str, Any]) -> tuple[str, str]:
    """(category, gateway): cod, manual, pending, prepaid, or unknown when neither the gateway
    nor the financial status says."""
    gateway, is_cod = payment_gateway(order)
    status = clean_text(order.get("financial_status")).lower()
    if is_cod:
        return "cod", gateway
    if any(word in gateway.lower() for word in MANUAL_GATEWAY_WORDS):
        return "manual", gateway
    if status == "pending":
        return "pending", gateway
    if status in PAID_STATUSES:
        return "prepaid", gateway
    return "unknown", gateway


def _items_key(line_items: Any) -> str:
    """A digest of the order's items (variant or SKU or title, and quantity), order-independent."""
    items = []
    for item in line_items if isinstance(line_items, list) else []:
        item = _dict(item)
        what = clean_text(item.get("variant_id") or item.get("sku") or item.get("title") or item.get("name"))
        items.append(f"{what}×{clean_text(item.get('quantity')) or '1'}")
    return hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:32] if items else ""


def split_tags(value: Any) -> list[str]:
    """Shopify's tags (a comma-separated string in webhooks, or a list), trimmed, no empties."""
    parts = value if isinstance(value, list) else clean_text(value).split(",")
    return [clean_text(part)[:255] for part in parts if clean_text(part)][:250]


def order_facts(order: dict[str, Any]) -> dict[str, Any]:
    """What the order flow's guardrails look at (payment, channel, tags, items)."""
    category, gateway = payment_category(order)
    return {
        "payment": category,
        "gateway": gateway[:255],
        "channel": clean_text(order.get("source_name")).lower()[:100],
        "tags": split_tags(order.get("tags")),
        "items": _items_key(order.get("line_items")),
    }
