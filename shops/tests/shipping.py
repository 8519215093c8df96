"""Helpers of the shipping write-back tests: the shipping sync's side (a transition recorded on
the ``DropiOrder`` and the hook called in its transaction, as the sync does) and what the
Shopify simulator holds for an order."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from shops.models import DropiOrder
from shops.services.shipping_transitions import transition_recorded
from shops.tests.dropi_shop import SHOP
from simulators.shopify_fulfillments import fulfillments_of


def move(order: DropiOrder, stage: str, *, guia: str | None = None, carrier: str | None = None, at=None) -> DropiOrder:
    """What the shipping sync does when Dropi reports a new status for ``order``."""
    order.refresh_from_db()
    previous = (order.shipping_stage, order.guia, order.carrier)
    with transaction.atomic():
        order.shipping_stage = stage
        order.guia = order.guia if guia is None else guia
        order.carrier = order.carrier if carrier is None else carrier
        order.dropi_status = stage.upper()
        order.dropi_status_changed_at = at or timezone.now() + datetime.timedelta(microseconds=1)
        order.save(update_fields=["shipping_stage", "guia", "carrier", "dropi_status", "dropi_status_changed_at"])
        transition_recorded(order, previous_stage=previous[0], previous_guia=previous[1], previous_carrier=previous[2])
    order.refresh_from_db()
    return order


def shopify_order(shop: Any, order: DropiOrder) -> dict[str, Any]:
    return next(
        item for item in shop.shopify.shop_data[SHOP]["orders"] if item["legacyResourceId"] == order.shopify_order_id
    )


def fulfillments(shop: Any, order: DropiOrder) -> list[dict[str, Any]]:
    return fulfillments_of(shop.shopify, SHOP, f"gid://shopify/Order/{order.shopify_order_id}")


def stage_tags(shop: Any, order: DropiOrder) -> list[str]:
    return [tag for tag in shopify_order(shop, order)["tags"] if tag.startswith("dropi:") and not tag[6:].isdigit()]
