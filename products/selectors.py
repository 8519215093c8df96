"""Reads used by the Productos page and its API: product associations (Sincronizados, and
which catalogue products are already in Shopify)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from connector.validators import is_ascii_digits
from products.models import ProductAssociation

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
