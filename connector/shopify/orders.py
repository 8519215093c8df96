"""Order operations of the Admin GraphQL API, on top of ``ShopifyAdminClient``.

Owns: ``orders(query: "name:…")``, the recent orders page, ``orderCancel`` and the shipping
address of ``orderUpdate`` (documents ``order_find_by_name``, ``orders_recent``,
``order_cancel`` and ``order_update_shipping_address`` in ``queries/``) and the values they
take and return: ids as GIDs (``numeric_id`` for REST-style ids), totals as ``Money``. Must
not import models; raises the client's typed errors.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from connector.shopify import ids
from connector.shopify.errors import ShopifyNoResult, ShopifyUserErrors
from connector.shopify.graphql import ShopifyAdminClient, user_errors_of
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


@dataclass(frozen=True)
class ShippingAddress:
    """A shipping address as ``MailingAddressInput`` takes it (empty strings are left out)."""

    first_name: str
    last_name: str
    address1: str
    address2: str
    city: str
    province_code: str
    zip: str
    country_code: str
    phone: str


def order_cancel(
    client: ShopifyAdminClient,
    *,
    order_id: str,
    staff_note: str,
    restock: bool = True,
    refund: bool = False,
    notify_customer: bool = False,
    reason: str = "CUSTOMER",
) -> str:
    """Ask Shopify to cancel order ``order_id`` (a GID); returns the id of the job that does it.

    Cancelling cannot be undone. ``refund`` chooses the original payment methods or nothing.
    Raises ShopifyUserErrors (``orderCancelUserErrors``: already cancelled, not found, a
    refund not allowed…), ShopifyNoResult (neither a job nor errors: what happened is
    unknown) and the client's other errors. Needs ``write_orders``.
    """
    variables = {
        "orderId": order_id,
        "reason": reason,
        "refundMethod": {"originalPaymentMethodsRefund": refund},
        "restock": restock,
        "notifyCustomer": notify_customer,
        "staffNote": staff_note[:255],
    }
    payload = read_object(client.execute("order_cancel", variables).data, "orderCancel")
    errors = user_errors_of({"userErrors": payload.get("orderCancelUserErrors")})
    if errors:
        raise ShopifyUserErrors(errors)
    job = payload.get("job")
    if not isinstance(job, dict) or not job.get("id"):
        raise ShopifyNoResult("orderCancel answered neither a job nor errors")
    return read_text(job, "id")


def order_update_shipping_address(client: ShopifyAdminClient, *, order_id: str, address: ShippingAddress) -> None:
    """Replace the shipping address of order ``order_id`` (a GID) with ``address``.

    Raises ShopifyUserErrors (e.g. an invalid country or province) and the client's other
    errors. Needs ``write_orders``.
    """
    fields = {
        "firstName": address.first_name,
        "lastName": address.last_name,
        "address1": address.address1,
        "address2": address.address2,
        "city": address.city,
        "provinceCode": address.province_code,
        "zip": address.zip,
        "countryCode": address.country_code,
        "phone": address.phone,
    }
    shipping = {name: value for name, value in fields.items() if value}
    client.execute(
        "order_update_shipping_address",
        {"input": {"id": order_id, "shippingAddress": shipping}},
        user_errors_at="orderUpdate",
    )
