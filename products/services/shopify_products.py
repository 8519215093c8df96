"""Use cases for reading the shop's own Shopify products (the picker of the link dialog) and
the location Dropi's stock is written to.

Owns: searching products page by page (query + cursors), reading one product with its
options, variants, media and which variants are stocked at a location, finding the shop's
stock location (cached per shop), checking product ids, and turning Shopify failures into
messages for the merchant. Reads only; the import module writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyForbidden,
    ShopifyThrottled,
)
from connector.shopify.graphql import ShopifyAdminClient

PRODUCT_GID_RE = re.compile(r"^gid://shopify/Product/([0-9]{1,20})$")
VARIANT_GID_RE = re.compile(r"^gid://shopify/ProductVariant/([0-9]{1,20})$")
PICKER_PAGE_SIZE = 10
# A shop's locations rarely change; an import that finds the cached one gone forgets it.
LOCATION_CACHE_SECONDS = 6 * 3600
MAX_QUERY_LENGTH = 100
# Characters with a meaning in Shopify's search syntax; the merchant types plain words.
SEARCH_SYNTAX_RE = re.compile(r"[\\\"'():*<>=!{}\[\]^~]")


@dataclass(frozen=True)
class ShopifyVariant:
    id: str
    title: str
    sku: str
    price: str
    barcode: str
    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ShopifyOption:
    id: str
    name: str
    values: tuple[tuple[str, str], ...]  # (id, name)


@dataclass(frozen=True)
class ShopifyProduct:
    id: str
    title: str
    handle: str
    status: str
    image_url: str
    options: tuple[ShopifyOption, ...]
    variants: tuple[ShopifyVariant, ...]
    media_ids: tuple[str, ...]
    more_variants: bool
    more_media: bool
    stocked_variant_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StockLocation:
    id: str
    name: str


def shopify_product_gid(value: Any) -> str:
    """A product GID from a GID or its number; ApplicationError for anything else."""
    text = str(value or "").strip()
    if text.isdigit() and len(text) <= 20:
        text = f"gid://shopify/Product/{text}"
    if not PRODUCT_GID_RE.match(text):
        raise ApplicationError(
            _("Choose a Shopify product."), field="shopify_product_id", code="invalid_shopify_product"
        )
    return text


def shopify_admin_product_url(*, shop: str, product_id: str) -> str:
    """The product's page in Shopify Admin."""
    return f"https://{shop}/admin/products/{product_id.rsplit('/', 1)[-1]}"


def shopify_error_as_application_error(error: ShopifyError) -> ApplicationError:
    """A Shopify failure (other than userErrors) in words for the merchant."""
    if isinstance(error, ShopifyAuthError):
        return ApplicationError(
            _("Shopify did not authorise the app for this shop. Open it again from your Shopify admin."),
            code="shopify_auth",
            status=401,
        )
    if isinstance(error, ShopifyForbidden):
        return ApplicationError(
            _("The app is not allowed to change products in this shop (write_products permission)."),
            code="shopify_forbidden",
            status=403,
        )
    if isinstance(error, ShopifyThrottled):
        return ApplicationError(
            _("Shopify asked to slow down. Wait a few seconds and try again."), code="shopify_throttled", status=503
        )
    return ApplicationError(
        _("Shopify is not answering right now. Try again in a minute."), code="shopify_unavailable", status=502
    )


def _search_query(text: str) -> str:
    words = SEARCH_SYNTAX_RE.sub(" ", text[:MAX_QUERY_LENGTH]).split()
    words = [word for word in words if word.upper() not in ("AND", "OR", "NOT") and not word.startswith("-")]
    return " ".join(f"{word}*" for word in words)


def shopify_products_search(
    *, shop: str, query: str = "", after: str = "", before: str = ""
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A page of the shop's products (10), newest first or by relevance to ``query``, with
    the cursors of the neighbouring pages. Raises ApplicationError when Shopify fails."""
    search = _search_query(query or "")
    variables: dict[str, Any] = {
        "query": search or None,
        "sortKey": "RELEVANCE" if search else "UPDATED_AT",
        "reverse": not search,
    }
    if before:
        variables.update({"last": PICKER_PAGE_SIZE, "before": before[:300]})
    else:
        variables["first"] = PICKER_PAGE_SIZE
        if after:
            variables["after"] = after[:300]
    try:
        result = shopify_admin_client(shop=shop).execute("products_search", variables)
    except ShopifyError as error:
        raise shopify_error_as_application_error(error) from error
    connection = result.data.get("products") or {}
    products = [
        {
            "id": node.get("id"),
            "title": node.get("title") or "",
            "handle": node.get("handle") or "",
            "status": node.get("status") or "",
            "image_url": (((node.get("featuredMedia") or {}).get("preview") or {}).get("image") or {}).get("url"),
            "variants_count": ((node.get("variantsCount") or {}).get("count")) or 0,
        }
        for node in connection.get("nodes") or []
    ]
    return products, connection.get("pageInfo") or {}


def _product_from(node: dict[str, Any], stocked: dict[str, Any] | None = None) -> ShopifyProduct:
    variants = node.get("variants") or {}
    media = node.get("media") or {}
    return ShopifyProduct(
        id=str(node.get("id")),
        title=str(node.get("title") or ""),
        handle=str(node.get("handle") or ""),
        status=str(node.get("status") or ""),
        image_url=str((((node.get("featuredMedia") or {}).get("preview") or {}).get("image") or {}).get("url") or ""),
        options=tuple(
            ShopifyOption(
                id=str(option.get("id") or ""),
                name=str(option.get("name") or ""),
                values=tuple(
                    (str(value.get("id") or ""), str(value.get("name") or ""))
                    for value in option.get("optionValues") or []
                ),
            )
            for option in node.get("options") or []
        ),
        variants=tuple(
            ShopifyVariant(
                id=str(variant.get("id")),
                title=str(variant.get("title") or ""),
                sku=str(variant.get("sku") or ""),
                price=str(variant.get("price") or ""),
                barcode=str(variant.get("barcode") or ""),
                options=tuple(
                    (str(option.get("name") or ""), str(option.get("value") or ""))
                    for option in variant.get("selectedOptions") or []
                ),
            )
            for variant in variants.get("nodes") or []
        ),
        media_ids=tuple(str(item.get("id")) for item in media.get("nodes") or [] if item.get("id")),
        more_variants=bool((variants.get("pageInfo") or {}).get("hasNextPage")),
        more_media=bool((media.get("pageInfo") or {}).get("hasNextPage")),
        stocked_variant_ids=frozenset(
            str(item.get("id")) for item in (stocked or {}).get("nodes") or [] if item.get("id")
        ),
    )


def shopify_product_get(
    *,
    shop: str,
    product_id: str,
    client: ShopifyAdminClient | None = None,
    stocked_at: StockLocation | None = None,
) -> ShopifyProduct:
    """One product of the shop with its options, variants (250) and media ids (100); with
    ``stocked_at``, also which of its variants are stocked at that location (same call:
    Shopify's ``productVariants`` search with ``product_id`` and ``location_id``).

    Raises ApplicationError: 404 when the product does not exist (or was deleted), or a
    Shopify failure.
    """
    product_id = shopify_product_gid(product_id)
    client = client or shopify_admin_client(shop=shop)
    variables: dict[str, Any] = {"id": product_id}
    if stocked_at is not None:
        variables["withStocked"] = True
        variables["stockedQuery"] = (
            f"product_id:{product_id.rsplit('/', 1)[-1]} location_id:{stocked_at.id.rsplit('/', 1)[-1]}"
        )
    try:
        result = client.execute("product_get", variables)
    except ShopifyError as error:
        raise shopify_error_as_application_error(error) from error
    node = result.data.get("product")
    if not node:
        raise ApplicationError(
            _("This Shopify product no longer exists (was it deleted?). Choose another one."),
            field="shopify_product_id",
            code="shopify_product_missing",
            status=404,
        )
    return _product_from(node, result.data.get("stockedVariants"))


def _location_key(shop: str) -> str:
    return f"shopify:stock-location:{shop}"


def shopify_stock_location_get(*, shop: str, client: ShopifyAdminClient) -> StockLocation | None:
    """The location Dropi's stock is written to: the shop's primary location when it is active,
    else its first active location that fulfils online orders, else its first active one.
    Cached per shop for ``LOCATION_CACHE_SECONDS``; one ``LocationPrimary`` call otherwise.

    Returns None when the shop has no active location. Raises ShopifyForbidden when the token
    lacks ``read_locations`` (and every inventory scope), other ShopifyErrors as the client does.
    """
    cached = cache.get(_location_key(shop))
    if cached:
        return StockLocation(id=cached["id"], name=cached["name"])
    data = client.execute("location_primary").data
    primary = data.get("location") or {}
    active = [node for node in (data.get("locations") or {}).get("nodes") or [] if node.get("isActive", True)]
    if primary.get("id") and primary.get("isActive"):
        chosen = primary
    else:
        online = [node for node in active if node.get("fulfillsOnlineOrders")]
        chosen = (online or active or [{}])[0]
    if not chosen.get("id"):
        return None
    location = StockLocation(id=str(chosen["id"]), name=str(chosen.get("name") or ""))
    cache.set(_location_key(shop), {"id": location.id, "name": location.name}, LOCATION_CACHE_SECONDS)
    return location


def shopify_stock_location_forget(*, shop: str) -> None:
    """Drop the cached stock location (Shopify refused it: deactivated or deleted meanwhile)."""
    cache.delete(_location_key(shop))
