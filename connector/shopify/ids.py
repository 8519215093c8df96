"""Shopify's global ids (GIDs) and the Admin pages they lead to.

Owns: recognising and building ``gid://shopify/<Type>/<number>`` ids, the numeric id inside a
GID (the one REST payloads, webhooks and Admin URLs use) and the URL of a resource's page in
Shopify Admin. Must not do I/O or import models: pure functions.
"""

from __future__ import annotations

import re

GID_PREFIX = "gid://shopify/"
# Shopify's ids are unsigned 64-bit integers: at most 20 digits.
PRODUCT_GID_RE = re.compile(r"^gid://shopify/Product/([0-9]{1,20})$")
VARIANT_GID_RE = re.compile(r"^gid://shopify/ProductVariant/([0-9]{1,20})$")
ORDER_GID_RE = re.compile(r"^gid://shopify/Order/([0-9]{1,20})$")
NUMBER_RE = re.compile(r"^[0-9]{1,20}$")


def gid(resource: str, number: int | str) -> str:
    """The GID of ``resource`` number ``number`` (``gid("Order", 12)`` is ``gid://shopify/Order/12``)."""
    return f"{GID_PREFIX}{resource}/{number}"


def numeric_id(value: str) -> str:
    """``123`` of ``gid://shopify/Order/123`` (or of ``123``); "" when there is no number."""
    tail = value.rsplit("/", 1)[-1]
    return tail if NUMBER_RE.match(tail) else ""


def _gid_of(resource: str, pattern: re.Pattern[str], value: object) -> str | None:
    text = str(value if value is not None else "").strip()
    if NUMBER_RE.match(text):
        text = gid(resource, text)
    return text if pattern.match(text) else None


def product_gid(value: object) -> str | None:
    """A product GID from a product GID or its number; None for anything else."""
    return _gid_of("Product", PRODUCT_GID_RE, value)


def order_gid(value: object) -> str | None:
    """An order GID from an order GID or its number; None for anything else."""
    return _gid_of("Order", ORDER_GID_RE, value)


def admin_url(*, shop: str, section: str, resource_id: str) -> str:
    """The page of a resource in Shopify Admin (``section``: ``products``, ``orders``, …)."""
    return f"https://{shop}/admin/{section}/{resource_id.rsplit('/', 1)[-1]}"
