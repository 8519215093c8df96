"""The shop's own Shopify products as the link dialog shows them.

Owns: the picker's paging policy (10 per page, newest first, or by relevance to what the
merchant typed, with Shopify's search syntax neutralised), reading the chosen product with
its variants (and which are stocked at a location), checking product ids, and the product's
page in Shopify Admin. Reads Shopify through ``connector.shopify.products``.
Must not write to Shopify (``imports`` does) or hold a transaction.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify import ids
from connector.shopify.errors import ShopifyError
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.products import ShopifyProduct, product_get, products_search
from products.services.shopify_errors import PRODUCT_MISSING, shopify_error_as_product_error
from products.services.stock_location import StockLocation

PICKER_PAGE_SIZE = 10
MAX_QUERY_LENGTH = 100
MAX_CURSOR_LENGTH = 300
# Characters with a meaning in Shopify's search syntax; the merchant types plain words.
SEARCH_SYNTAX_RE = re.compile(r"[\\\"'():*<>=!{}\[\]^~]")


def shopify_product_gid(value: Any) -> str:
    """A product GID from a GID or its number; ApplicationError for anything else."""
    product_gid = ids.product_gid(value)
    if product_gid is None:
        raise ApplicationError(
            _("Choose a Shopify product."), field="shopify_product_id", code="invalid_shopify_product"
        )
    return product_gid


def shopify_admin_product_url(*, shop: str, product_id: str) -> str:
    """The product's page in Shopify Admin."""
    return ids.admin_url(shop=shop, section="products", resource_id=product_id)


def _search_query(text: str) -> str:
    words = SEARCH_SYNTAX_RE.sub(" ", text[:MAX_QUERY_LENGTH]).split()
    words = [word for word in words if word.upper() not in ("AND", "OR", "NOT") and not word.startswith("-")]
    return " ".join(f"{word}*" for word in words)


def shopify_products_search(
    *, shop: str, query: str = "", after: str = "", before: str = ""
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A page of the shop's products (10), newest first or by relevance to ``query``, and the
    cursors of the neighbouring pages, as the picker's JSON. Raises ApplicationError when
    Shopify fails."""
    search = _search_query(query or "")
    paging: dict[str, Any] = {"first": PICKER_PAGE_SIZE, "after": after[:MAX_CURSOR_LENGTH] or None}
    if before:
        paging = {"last": PICKER_PAGE_SIZE, "before": before[:MAX_CURSOR_LENGTH]}
    try:
        page = products_search(
            shopify_admin_client(shop=shop),
            query=search or None,
            sort_key="RELEVANCE" if search else "UPDATED_AT",
            reverse=not search,
            **paging,
        )
    except ShopifyError as error:
        raise shopify_error_as_product_error(error) from error
    products = [
        {
            "id": product.id,
            "title": product.title,
            "handle": product.handle,
            "status": product.status,
            "image_url": product.image_url,
            "variants_count": product.variants_count,
        }
        for product in page.products
    ]
    info = page.page_info
    return products, {
        "hasNextPage": info.has_next_page,
        "hasPreviousPage": info.has_previous_page,
        "startCursor": info.start_cursor,
        "endCursor": info.end_cursor,
    }


def shopify_product_get(
    *,
    shop: str,
    product_id: str,
    client: ShopifyAdminClient | None = None,
    stocked_at: StockLocation | None = None,
) -> ShopifyProduct:
    """One product of the shop with its options, variants (250) and media ids (100); with
    ``stocked_at``, also which of its variants are stocked at that location (same call).

    Raises ApplicationError: 404 when the product does not exist (or was deleted), or a
    Shopify failure.
    """
    product_id = shopify_product_gid(product_id)
    client = client or shopify_admin_client(shop=shop)
    try:
        product = product_get(
            client, product_id=product_id, stocked_at_location_id=stocked_at.id if stocked_at else None
        )
    except ShopifyError as error:
        raise shopify_error_as_product_error(error) from error
    if product is None:
        raise PRODUCT_MISSING.error()
    return product
