"""An order's lines with their Dropi identity, and the Dropi-ready contact fields of an order.

Owns: resolving each Shopify line to a Dropi product and variation — the variant's mapping
first, then a Shopify product linked as a whole to a simple Dropi product, then the line's SKU
when exactly one Dropi variation of the shop's associations has it — and the values the
Ecomdrop bot needs to place the order itself (``pedido_dropi_json`` and the address fields),
kept within Ecomdrop's field size. Must not write nor call a vendor: it runs in the webhook
handler's transaction.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from connector.shopify import ids
from products.selectors import DropiLinks, DropiTarget, dropi_links_find
from shops.models import DropiOrder
from shops.services.delivery_payloads import clean_text
from shops.services.dropi_addresses import dropi_destination, place_normalise

logger = logging.getLogger(__name__)

# The longest value written to one Ecomdrop contact field (the order's other text fields are
# cut at the same size; Ecomdrop documents no limit, and a longer value has been seen refused).
FIELD_LIMIT = 2000
TITLE_LIMIT = 60
# What a resolution adds to a line (left out when a stored line is resolved again).
RESULT_KEYS = ("reason", "resolved_by")


class Unresolved:
    """Why a line has no Dropi identity (stored on the line as ``reason``)."""

    NOT_LINKED = "not_linked"  # its product is not linked to a Dropi product
    VARIANT_NOT_MAPPED = "variant_not_mapped"  # linked to a variable Dropi product, this variant is not
    AMBIGUOUS = "ambiguous"  # linked to more than one Dropi product or variation
    NO_PRODUCT = "no_product"  # a custom line without a Shopify product


@dataclass(frozen=True)
class LineResolution:
    resolved: list[dict[str, Any]]
    unresolved: list[dict[str, Any]]


def _price(value: Any) -> str:
    try:
        return f"{Decimal(str(value)):.2f}"
    except (InvalidOperation, ValueError):
        return "0.00"


def order_lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines of an order payload that ship (tips, gift cards and digital items do not)."""
    lines = []
    for item in order.get("line_items") or []:
        if not isinstance(item, dict) or item.get("requires_shipping") is False or item.get("gift_card"):
            continue
        variant, product = clean_text(item.get("variant_id")), clean_text(item.get("product_id"))
        variant_title = clean_text(item.get("variant_title"))
        lines.append(
            {
                "line_id": clean_text(item.get("id")),
                "variant_id": ids.gid("ProductVariant", variant) if variant.isdigit() else variant,
                "product_id": ids.gid("Product", product) if product.isdigit() else product,
                "sku": clean_text(item.get("sku"))[:100],
                "title": clean_text(item.get("title") or item.get("name"))[:255],
                "variant_title": "" if variant_title.lower() == "default title" else variant_title[:255],
                "quantity": max(int(item.get("quantity") or 1), 1),
                "price": _price(item.get("price")),
            }
        )
    return lines


def _only(targets: set[DropiTarget] | None) -> DropiTarget | None:
    return next(iter(targets)) if targets and len(targets) == 1 else None


def _resolve(line: dict[str, Any], links: DropiLinks) -> tuple[DropiTarget | None, str]:
    """(target, how) for a resolved line; (None, reason) otherwise."""
    candidates = (
        ("variant", links.by_variant.get(line.get("variant_id", ""))),
        ("product", links.by_product.get(line.get("product_id", ""))),
        ("sku", links.by_sku.get(line.get("sku", ""))),
    )
    for how, targets in candidates:
        if targets:
            target = _only(targets)
            return (target, how) if target else (None, Unresolved.AMBIGUOUS)
    if not line.get("product_id"):
        return None, Unresolved.NO_PRODUCT
    if line["product_id"] in links.variable_products:
        return None, Unresolved.VARIANT_NOT_MAPPED
    return None, Unresolved.NOT_LINKED


def dropi_lines_resolve(*, shop: str, lines: list[dict[str, Any]]) -> LineResolution:
    """Each line with its Dropi product and variation (``resolved``) or the reason it has none
    (``unresolved``); ``lines`` as ``order_lines`` reads them (or as stored: resolving again
    after the merchant linked a product gives the new answer)."""
    raw = [
        {key: value for key, value in line.items() if not key.startswith("dropi_") and key not in RESULT_KEYS}
        for line in lines
    ]
    links = dropi_links_find(
        shop=shop, variant_ids=[line["variant_id"] for line in raw if line.get("variant_id")], product_ids=[], skus=[]
    )
    # Products are looked up only for the lines their variant did not resolve (a catalogue the
    # app imported maps every variant: one query per order then).
    product_ids = [
        line["product_id"]
        for line in raw
        if line.get("product_id") and not links.by_variant.get(line.get("variant_id", ""))
    ]
    if product_ids:
        found = dropi_links_find(shop=shop, variant_ids=[], product_ids=product_ids, skus=[])
        links.by_product, links.variable_products = found.by_product, found.variable_products
    # SKUs are searched only for the lines their variant or product did not resolve.
    skus = [
        line["sku"]
        for line in raw
        if line.get("sku")
        and not links.by_variant.get(line.get("variant_id", ""))
        and not links.by_product.get(line.get("product_id", ""))
    ]
    if skus:
        links.by_sku = dropi_links_find(shop=shop, variant_ids=[], product_ids=[], skus=skus).by_sku
    resolved, unresolved = [], []
    for line in raw:
        target, how = _resolve(line, links)
        if target is None:
            unresolved.append({**line, "reason": how})
        else:
            resolved.append(
                {
                    **line,
                    "dropi_product_id": target.product_id,
                    "dropi_variation_id": target.variation_id,
                    "resolved_by": how,
                }
            )
    return LineResolution(resolved=resolved, unresolved=unresolved)


def _lines_json(lines: list[dict[str, Any]]) -> tuple[str, int]:
    """``pedido_dropi_json`` within FIELD_LIMIT, and how many lines it holds. Too long with
    SKUs and titles: they are left out; still too long: the last lines are left out whole, so
    the value is always a complete JSON list of complete lines."""
    full = [
        {
            "product_id": line["dropi_product_id"],
            "variation_id": line["dropi_variation_id"],
            "quantity": line["quantity"],
            "price": line["price"],
            "sku": line.get("sku", ""),
            "title": " ".join(part for part in (line.get("title"), line.get("variant_title")) if part)[:TITLE_LIMIT],
        }
        for line in lines
    ]
    text = json.dumps(full, ensure_ascii=False, separators=(",", ":"))
    if len(text) <= FIELD_LIMIT:
        return text, len(full)
    compact = [{key: entry[key] for key in ("product_id", "variation_id", "quantity", "price")} for entry in full]
    while compact and len(json.dumps(compact, separators=(",", ":"))) > FIELD_LIMIT:
        compact.pop()
    return json.dumps(compact, separators=(",", ":")), len(compact)


def dropi_contact_field_values(order: DropiOrder) -> dict[str, str]:
    """What the bot needs to place the order in Dropi, by logical name (see DEFAULT_FIELD_NAMES);
    empty values are left out."""
    address = order.address or {}
    department, city = dropi_destination(address)
    lines_json, sent = _lines_json(order.lines or [])
    if sent < len(order.lines or []):
        logger.warning(
            "Order too large for the contact field: %s of %s lines sent to the bot",
            sent,
            len(order.lines),
            extra={"shop": order.shop, "order": order.pk},
        )
    values = {
        "dropi_lines": lines_json if order.lines else "",
        "address1": place_normalise(address.get("address1")),
        "address2": place_normalise(address.get("address2")),
        "dropi_city": city,
        "province": department,
        "province_code": address.get("province_code", ""),
        "zip": address.get("zip", ""),
        "country_code": address.get("country_code", ""),
        "note": order.note[:FIELD_LIMIT],
        "gateway": order.gateway,
        "cod": "true" if order.cash_on_delivery else "false",
    }
    return {key: value for key, value in values.items() if value}
