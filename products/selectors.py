"""Reads of the products app: the Productos page and its API (product associations,
Sincronizados, which catalogue products are already in Shopify) and, for other apps, the Dropi
product and variation a Shopify variant, product or SKU is linked to (an order's lines resolved
to Dropi ids)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connections, router
from django.db.models import Count, Q, QuerySet

from connector.db_rows import placeholders, rows_values
from connector.validators import is_ascii_digits
from products.models import ProductAssociation, VariantMapping

ASSOCIATIONS_PAGE_SIZE = 20
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class AssociationPage:
    associations: list[ProductAssociation]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def product_association_count(*, shop: str) -> int:
    """How many products of the shop are synchronised (the tab's badge)."""
    return ProductAssociation.objects.filter(shop=shop).count()


def _search(queryset: QuerySet, query: str) -> QuerySet:
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        return queryset
    condition = Q(dropi_product_name__icontains=query) | Q(shopify_product_title__icontains=query)
    if is_ascii_digits(query):
        condition |= Q(dropi_product_id=query) | Q(shopify_product_id=f"gid://shopify/Product/{query}")
    elif query.startswith("gid://shopify/Product/"):
        condition |= Q(shopify_product_id=query)
    return queryset.filter(condition)


def product_association_list_for_shop(*, shop: str, query: str = "", page: int = 1) -> AssociationPage:
    """A page of the shop's associations, newest first, with their variant-mapping counts;
    ``query`` matches names, a Dropi id or a Shopify product id."""
    queryset = _search(ProductAssociation.objects.filter(shop=shop), query)
    total = queryset.count()
    pages = max(1, math.ceil(total / ASSOCIATIONS_PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * ASSOCIATIONS_PAGE_SIZE
    rows = list(
        queryset.annotate(mapping_count=Count("variant_mappings")).order_by("-id")[
            start : start + ASSOCIATIONS_PAGE_SIZE
        ]
    )
    return AssociationPage(associations=rows, total=total, page=page, page_size=ASSOCIATIONS_PAGE_SIZE)


@dataclass(frozen=True)
class ImportedAs:
    """The newest association of a Dropi product in a shop, and how many it has."""

    latest: ProductAssociation
    count: int


def product_association_imported(*, shop: str, dropi_product_ids: Iterable[str]) -> dict[str, ImportedAs]:
    """Which of ``dropi_product_ids`` the shop already has in Shopify, by Dropi id (one query)."""
    found: dict[str, ImportedAs] = {}
    rows = ProductAssociation.objects.filter(shop=shop, dropi_product_id__in=list(dropi_product_ids)).order_by("-id")
    for association in rows:
        known = found.get(association.dropi_product_id)
        found[association.dropi_product_id] = ImportedAs(
            latest=known.latest if known else association, count=(known.count if known else 0) + 1
        )
    return found


@dataclass(frozen=True)
class DropiTarget:
    """A Dropi product (and variation, for a variable one) a Shopify line may be placed as."""

    product_id: str
    variation_id: str | None
    sku: str = ""


@dataclass
class DropiLinks:
    """What the shop's associations say about some variants, products and SKUs: every candidate
    target of each (a key with several candidates is ambiguous; the caller decides)."""

    by_variant: dict[str, set[DropiTarget]] = field(default_factory=dict)
    # Shopify products linked to a simple Dropi product (no variation to choose).
    by_product: dict[str, set[DropiTarget]] = field(default_factory=dict)
    # Shopify products linked to a variable Dropi product: each variant needs its own mapping.
    variable_products: dict[str, set[str]] = field(default_factory=dict)
    by_sku: dict[str, set[DropiTarget]] = field(default_factory=dict)


def _variation_skus(variations: Any) -> dict[str, str]:
    """{Dropi SKU: variation id} of the Dropi variations kept with an association."""
    return {
        str(item.get("sku")).strip(): str(item.get("id"))
        for item in (variations if isinstance(variations, list) else [])
        if isinstance(item, dict) and item.get("sku") and item.get("id") is not None
    }


def _variant_links(shop: str, variant_ids: list[str]) -> list[tuple[str, str, str]]:
    """(Shopify variant id, Dropi product id, Dropi variation id) of the shop's mappings of these
    variants: the statement the ORM would build for the join, written once per number of ids."""
    using = router.db_for_read(VariantMapping)
    with connections[using].cursor() as cursor:
        cursor.execute(_variant_links_sql(using, len(variant_ids)), [shop, *variant_ids])
        return [(str(variant), str(product), str(variation)) for variant, product, variation in cursor.fetchall()]


@lru_cache(maxsize=64)
def _variant_links_sql(using: str, count: int) -> str:
    name = connections[using].ops.quote_name
    mapping, association = VariantMapping._meta, ProductAssociation._meta

    def column(meta: Any, field: str) -> str:
        return f"{name(meta.db_table)}.{name(meta.get_field(field).column)}"

    # Names from the models' metadata, quoted; every value is a parameter.
    return (
        f"SELECT {column(mapping, 'shopify_variant_id')}, {column(association, 'dropi_product_id')}, "  # noqa: S608
        f"{column(mapping, 'dropi_variation_id')} FROM {name(mapping.db_table)} INNER JOIN "
        f"{name(association.db_table)} ON ({column(mapping, 'association')} = {column(association, 'id')}) "
        f"WHERE {column(association, 'shop')} = %s AND {column(mapping, 'shopify_variant_id')} "
        f"IN ({placeholders(count)})"
    )


def dropi_links_find(
    *, shop: str, variant_ids: Iterable[str], product_ids: Iterable[str], skus: Iterable[str]
) -> DropiLinks:
    """The shop's links for these Shopify variant GIDs, product GIDs and SKUs (a SKU counts
    when it is the SKU of a Dropi variation kept with one of the shop's associations).

    Runs for every order a webhook brings: only the columns it uses are read, unordered, and no
    model is built; the variant and product look-ups are statements written once, not built by
    the ORM per order (that building was 0.3 ms of CPU per look-up, measured in process)."""
    links = DropiLinks()
    variant_ids, product_ids, skus = set(variant_ids), set(product_ids), {sku for sku in skus if sku}
    # Nothing to look up (no ids) costs no query, nor the ORM's work of building one.
    if variant_ids:
        for variant_id, dropi_product_id, dropi_variation_id in _variant_links(shop, sorted(variant_ids)):
            links.by_variant.setdefault(variant_id, set()).add(DropiTarget(dropi_product_id, dropi_variation_id))
    if product_ids:
        columns = ("shopify_product_id", "dropi_product_id", "dropi_variations")
        where = {"shop": shop, "shopify_product_id": sorted(product_ids)}
        for shopify_product_id, product_id, variations in rows_values(ProductAssociation, columns, where):
            if variations:
                links.variable_products.setdefault(shopify_product_id, set()).add(product_id)
            else:
                links.by_product.setdefault(shopify_product_id, set()).add(DropiTarget(product_id, None))
    for sku in skus:
        # A portable pre-filter on the JSON text; the exact match is made below.
        candidates = ProductAssociation.objects.filter(shop=shop, dropi_variations__icontains=sku)
        for product_id, variations in candidates.order_by().values_list("dropi_product_id", "dropi_variations"):
            variation_id = _variation_skus(variations).get(sku)
            if variation_id is not None:
                links.by_sku.setdefault(sku, set()).add(DropiTarget(product_id, variation_id, sku))
    return links
