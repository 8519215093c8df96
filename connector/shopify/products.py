"""Product reads of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: ``products`` (document ``products_search``) and ``product(id)`` with the variants
stocked at a location (document ``product_get``), and the product values they return. The
write, ``productSet``, is ``connector.shopify.product_set``'s. Must not import models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.shopify import ids
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.values import (
    PageInfo,
    page_variables,
    read_has_next_page,
    read_nodes,
    read_object,
    read_page_info,
    read_text,
)


@dataclass(frozen=True)
class ProductSummary:
    """A product as a list shows it."""

    id: str
    title: str
    handle: str
    status: str
    image_url: str | None
    variants_count: int


@dataclass(frozen=True)
class ProductPage:
    products: tuple[ProductSummary, ...]
    page_info: PageInfo


@dataclass(frozen=True)
class ShopifyVariant:
    id: str
    title: str
    sku: str
    price: str
    barcode: str
    options: tuple[tuple[str, str], ...]  # (option name, value)


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
    variants: tuple[ShopifyVariant, ...]  # the first 250
    media_ids: tuple[str, ...]  # the first 100
    more_variants: bool
    more_media: bool
    stocked_variant_ids: frozenset[str] = field(default_factory=frozenset)


def _image_url(node: dict[str, Any]) -> str | None:
    image = read_object(read_object(read_object(node, "featuredMedia"), "preview"), "image")
    url = image.get("url")
    return None if url is None else str(url)


def _summary(node: dict[str, Any]) -> ProductSummary:
    return ProductSummary(
        id=read_text(node, "id"),
        title=read_text(node, "title"),
        handle=read_text(node, "handle"),
        status=read_text(node, "status"),
        image_url=_image_url(node),
        variants_count=int(read_object(node, "variantsCount").get("count") or 0),
    )


def products_search(
    client: ShopifyAdminClient,
    *,
    query: str | None,
    sort_key: str,
    reverse: bool,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> ProductPage:
    """A page of the shop's products matching ``query`` (Shopify's search syntax; None: all),
    ordered by ``sort_key`` (``ProductSortKeys``: ``RELEVANCE``, ``UPDATED_AT``, ``TITLE``…)."""
    variables: dict[str, Any] = {"query": query, "sortKey": sort_key, "reverse": reverse}
    variables.update(page_variables(first=first, after=after, last=last, before=before))
    connection = read_object(client.execute("products_search", variables).data, "products")
    return ProductPage(
        products=tuple(_summary(node) for node in read_nodes(connection)),
        page_info=read_page_info(connection),
    )


def _variant(node: dict[str, Any]) -> ShopifyVariant:
    return ShopifyVariant(
        id=read_text(node, "id"),
        title=read_text(node, "title"),
        sku=read_text(node, "sku"),
        price=read_text(node, "price"),
        barcode=read_text(node, "barcode"),
        options=tuple(
            (read_text(option, "name"), read_text(option, "value"))
            for option in node.get("selectedOptions") or []
            if isinstance(option, dict)
        ),
    )


def _option(node: dict[str, Any]) -> ShopifyOption:
    return ShopifyOption(
        id=read_text(node, "id"),
        name=read_text(node, "name"),
        values=tuple(
            (read_text(value, "id"), read_text(value, "name"))
            for value in node.get("optionValues") or []
            if isinstance(value, dict)
        ),
    )


def _product(node: dict[str, Any], stocked: Any) -> ShopifyProduct:
    variants, media = node.get("variants"), node.get("media")
    return ShopifyProduct(
        id=read_text(node, "id"),
        title=read_text(node, "title"),
        handle=read_text(node, "handle"),
        status=read_text(node, "status"),
        image_url=_image_url(node) or "",
        options=tuple(_option(option) for option in node.get("options") or [] if isinstance(option, dict)),
        variants=tuple(_variant(variant) for variant in read_nodes(variants)),
        media_ids=tuple(read_text(item, "id") for item in read_nodes(media) if item.get("id")),
        more_variants=read_has_next_page(variants),
        more_media=read_has_next_page(media),
        stocked_variant_ids=frozenset(read_text(item, "id") for item in read_nodes(stocked) if item.get("id")),
    )


def product_get(
    client: ShopifyAdminClient, *, product_id: str, stocked_at_location_id: str | None = None
) -> ShopifyProduct | None:
    """The product with its options, variants (250) and media ids (100), or None when it does
    not exist (or was deleted). With ``stocked_at_location_id``, also which of its variants are
    stocked at that location, in the same call (``productVariants`` searched by ``product_id``
    and ``location_id``)."""
    variables: dict[str, Any] = {"id": product_id}
    if stocked_at_location_id is not None:
        variables["withStocked"] = True
        variables["stockedQuery"] = (
            f"product_id:{ids.numeric_id(product_id)} location_id:{ids.numeric_id(stocked_at_location_id)}"
        )
    data = client.execute("product_get", variables).data
    node = data.get("product")
    if not isinstance(node, dict) or not node:
        return None
    return _product(node, data.get("stockedVariants"))
