"""What the Dropi orders hold per shop and per customer (listed in settings.PERSONAL_DATA, run
by ``webhooks.privacy``).

Per shop: every Dropi order with its history, and the shop's Dropi status sync. Per customer:
the orders they placed (name, shipping address and note in clear; phone and e-mail encrypted),
found by Shopify customer id, order id, phone or e-mail. Erasing a customer blanks those
fields; the order's Dropi state and ids stay (the shop needs them to follow the parcel), and its
history loses any address it held.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from shops.models import DropiOrder, DropiOrderEvent, DropiTrackingSync
from shops.services.dropi_order_events import ADDRESS_KINDS
from webhooks.privacy import Customer


def erase_shop_dropi_orders(*, shop: str) -> int:
    """Delete every Dropi order of the shop with its history, and its Dropi status sync."""
    deleted, _by_model = DropiOrder.objects.filter(shop=shop).delete()
    syncs, _by_model = DropiTrackingSync.objects.filter(shop=shop).delete()
    return deleted + syncs


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


def _orders_of(shop: str, customer: Customer) -> Iterator[DropiOrder]:
    """The customer's orders: by Shopify customer id or order id (indexed), or by phone or
    e-mail (compared one by one: they are stored encrypted)."""
    known = Q(pk__in=[])
    if customer.shopify_id:
        known |= Q(customer_id=customer.shopify_id)
    if customer.order_ids:
        known |= Q(shopify_order_id__in=customer.order_ids)
    matching = set(DropiOrder.objects.filter(known, shop=shop).values_list("pk", flat=True))
    for order in DropiOrder.objects.filter(shop=shop).order_by("pk").iterator(chunk_size=500):
        phone = _digits(order.phone.reveal()) if order.phone else ""
        email = order.email.reveal().casefold() if order.email else ""
        same_phone = bool(customer.phone and phone and phone.endswith(customer.phone[-9:]))
        same_email = bool(customer.email and email == customer.email)
        if order.pk in matching or same_phone or same_email:
            yield order


def export_dropi_orders(*, shop: str, customer: Customer) -> list[dict[str, Any]]:
    """The customer's orders as sent (or to be sent) to Dropi, with their history."""
    return [
        {
            "order": order.order_name or order.shopify_order_id,
            "state": order.state,
            "dropi_order_id": order.dropi_order_id or None,
            "created_at": order.created_at.isoformat(),
            "phone": order.phone.reveal() if order.phone else None,
            "email": order.email.reveal() if order.email else None,
            "address": order.address,
            "note": order.note,
            "lines": [*order.lines, *order.unresolved_lines],
            "history": [
                {"event": event.kind, "by": event.actor, "at": event.at.isoformat(), "detail": event.detail}
                for event in order.events.all()
            ],
        }
        for order in _orders_of(shop, customer)
    ]


def anonymise_dropi_orders(*, shop: str, customer: Customer) -> int:
    """Blank the customer's phone, e-mail, name, address and note on their orders."""
    ids = [order.pk for order in _orders_of(shop, customer)]
    DropiOrderEvent.objects.filter(order_id__in=ids, kind__in=ADDRESS_KINDS).update(detail={})
    return DropiOrder.objects.filter(pk__in=ids).update(phone=None, email=None, address={}, note="", customer_id="")
