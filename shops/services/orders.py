"""The Pedidos list: the shop's recent Shopify orders with the delivery and Dropi order of each,
and the Dropi filters (sin vínculo, por corregir, en Dropi, fallidos, and one per shipping stage).

Owns: the page size and cursor policy of the list, reading a page of orders from Shopify
(``connector.shopify.orders``) and pairing each order with its order flow delivery and its
``DropiOrder`` (with its history), the filtered lists (read from this app's records alone: no
Shopify call), and the merchant's words when Shopify cannot answer. Reads only; never holds a
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError
from connector.shopify.failures import MerchantAnswer, ShopifyFailure, shopify_error_as_application_error
from connector.shopify.orders import Order, orders_recent
from connector.shopify.values import PageInfo
from shops.models import DropiOrder, DropiOrderEvent, FlowDelivery, ShippingStage

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
    # The order flow delivery and the Dropi order of each order that has one, by its numeric id.
    deliveries: dict[str, FlowDelivery]
    dropi_orders: dict[str, DropiOrder]


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
        dropi_orders={order.shopify_order_id: order for order in _with_history(shop, numeric_ids)},
    )


def _with_history(shop: str, numeric_ids: Iterable[str]) -> QuerySet[DropiOrder]:
    events = Prefetch("events", queryset=DropiOrderEvent.objects.order_by("id"))
    return DropiOrder.objects.filter(shop=shop, shopify_order_id__in=list(numeric_ids)).prefetch_related(events)


# The Dropi filters of Pedidos: which Dropi orders each shows.
DROPI_FILTERS = {
    "sin_vinculo": Q(unresolved_count__gt=0) | Q(state=DropiOrder.State.NEEDS_LINK),
    "por_corregir": Q(state=DropiOrder.State.ADDRESS),
    "en_dropi": ~Q(dropi_order_id=""),
    "fallidos": Q(state=DropiOrder.State.FAILED),
    # The shipping filters: one per stage (stage_incident, …), "novedad" first on the page.
    **{f"stage_{stage}": Q(shipping_stage=stage) for stage in ShippingStage.values},
}


@dataclass(frozen=True)
class DropiOrderPage:
    orders: tuple[DropiOrder, ...]
    deliveries: dict[str, FlowDelivery]
    next_cursor: str | None  # the ``after`` of the next page; None on the last


def dropi_orders_filtered(*, shop: str, name: str, after: str = "") -> DropiOrderPage:
    """A page (25, newest first) of the shop's Dropi orders that ``name`` selects, after the
    cursor ``after``; each with its delivery and history. Raises ApplicationError 400 for an
    unknown filter."""
    if name not in DROPI_FILTERS:
        raise ApplicationError(
            _("Unknown filter. Use sin_vinculo, por_corregir, en_dropi, fallidos or stage_<shipping stage>."),
            field="filter",
            code="filter",
        )
    rows = DropiOrder.objects.filter(DROPI_FILTERS[name], shop=shop).order_by("-id")
    if after.isdigit():
        rows = rows.filter(pk__lt=int(after))
    page = list(rows[: ORDERS_PER_PAGE + 1])
    orders = page[:ORDERS_PER_PAGE]
    numeric_ids = [order.shopify_order_id for order in orders]
    deliveries = FlowDelivery.objects.filter(
        shop=shop, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id__in=numeric_ids
    )
    return DropiOrderPage(
        orders=tuple(_with_history(shop, numeric_ids).order_by("-id")),
        deliveries={delivery.shopify_object_id: delivery for delivery in deliveries},
        next_cursor=str(orders[-1].pk) if len(page) > ORDERS_PER_PAGE else None,
    )
