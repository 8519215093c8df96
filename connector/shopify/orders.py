"""Order operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: ``orders(query: "name:…")`` and the recent orders page (documents
``order_find_by_name`` and ``orders_recent`` in ``queries/``) and the ``Order`` values they
return: ids as GIDs (``numeric_id`` for REST-style ids), totals as ``Money``. Must not import
models; raises the client's typed errors.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from connector.shopify import ids
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.values import (
    Money,
    PageInfo,
    page_variables,
    read_datetime,
    read_nodes,
    read_object,
    read_optional_text,
    read_page_info,
    read_shop_money,
    read_tags,
    read_text,
)


@dataclass(frozen=True)
class OrderRef:
    """An order found by its name: enough to change it."""

    id: str
    name: str
    tags: tuple[str, ...]

    @property
    def numeric_id(self) -> str:
        return ids.numeric_id(self.id)


@dataclass(frozen=True)
class Order:
    id: str
    name: str
    created_at: datetime.datetime | None
    # Shopify's display statuses (``PENDING``, ``PAID``, ``UNFULFILLED``…); None when it has none.
    financial_status: str | None
    fulfillment_status: str | None
    total: Money | None
    tags: tuple[str, ...]

    @property
    def numeric_id(self) -> str:
        return ids.numeric_id(self.id)


@dataclass(frozen=True)
class OrderPage:
    orders: tuple[Order, ...]
    page_info: PageInfo


def _order(node: dict[str, Any]) -> Order:
    return Order(
        id=read_text(node, "id"),
        name=read_text(node, "name"),
        created_at=read_datetime(node, "createdAt"),
        financial_status=read_optional_text(node, "displayFinancialStatus"),
        fulfillment_status=read_optional_text(node, "displayFulfillmentStatus"),
        total=read_shop_money(node.get("totalPriceSet")),
        tags=read_tags(node),
    )


def order_find_by_name(client: ShopifyAdminClient, *, name: str) -> OrderRef | None:
    """The order named ``name`` (``#1014`` or ``1014``), or None when the shop has none.

    Shopify's ``name:`` search also matches names that merely start alike, so only an exact
    name (``#`` aside) counts.
    """
    wanted = name if name.startswith("#") else f"#{name}"
    result = client.execute("order_find_by_name", {"query": f"name:{wanted}"})
    for node in read_nodes(result.data.get("orders")):
        if read_text(node, "name").lstrip("#") == wanted.lstrip("#") and node.get("id"):
            return OrderRef(id=read_text(node, "id"), name=read_text(node, "name"), tags=read_tags(node))
    return None


def orders_recent(
    client: ShopifyAdminClient,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> OrderPage:
    """A page of the shop's orders, newest first: the ``first`` ones (``after`` a cursor) or the
    ``last`` ones (``before`` a cursor). Needs ``read_orders``; without protected-customer-data
    approval Shopify refuses (ShopifyForbidden)."""
    variables = page_variables(first=first, after=after, last=last, before=before)
    connection = read_object(client.execute("orders_recent", variables).data, "orders")
    return OrderPage(
        orders=tuple(_order(node) for node in read_nodes(connection)),
        page_info=read_page_info(connection),
    )
