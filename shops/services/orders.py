"""The Pedidos list: the shop's recent Shopify orders with the delivery of each.

Owns: the page size and cursor policy of the list, reading a page of orders from Shopify
(``connector.shopify.orders``) and pairing each order with its order flow delivery, and the
merchant's words when Shopify cannot answer. Reads only; never holds a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError
from connector.shopify.failures import MerchantAnswer, ShopifyFailure, shopify_error_as_application_error
from connector.shopify.orders import Order, orders_recent
from connector.shopify.values import PageInfo
from shops.models import FlowDelivery

ORDERS_PER_PAGE = 25
MAX_CURSOR_LENGTH = 200
_NOT_APPROVED = MerchantAnswer(
    gettext_lazy("Shopify has not approved this app to read orders (protected customer data)."),
    code="shopify_forbidden",
    status=403,
)
SHOPIFY_ANSWERS = {ShopifyFailure.FORBIDDEN: _NOT_APPROVED, ShopifyFailure.LOCKED: _NOT_APPROVED}


@dataclass(frozen=True)
class RecentOrders:
    orders: tuple[Order, ...]
    page_info: PageInfo
    # The order flow delivery of each order that has one, by the order's numeric id.
    deliveries: dict[str, FlowDelivery]


def orders_recent_get(*, shop: str, after: str = "", before: str = "") -> RecentOrders:
    """A page of the shop's orders (25), newest first, ``after`` or ``before`` a cursor, each
    with its delivery. Raises ApplicationError: 403 when Shopify has not approved the app to
    read orders, 502 when Shopify fails otherwise."""
    client = shopify_admin_client(shop=shop)
    try:
        if before:
            page = orders_recent(client, last=ORDERS_PER_PAGE, before=before[:MAX_CURSOR_LENGTH])
        else:
            page = orders_recent(client, first=ORDERS_PER_PAGE, after=after[:MAX_CURSOR_LENGTH] or None)
    except ShopifyError as error:
        raise shopify_error_as_application_error(error, answers=SHOPIFY_ANSWERS) from error
    numeric_ids = [order.numeric_id for order in page.orders]
    deliveries = FlowDelivery.objects.filter(
        shop=shop, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id__in=numeric_ids
    )
    return RecentOrders(
        orders=page.orders,
        page_info=page.page_info,
        deliveries={delivery.shopify_object_id: delivery for delivery in deliveries},
    )
