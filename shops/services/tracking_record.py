"""Recording what Dropi says about a shop's orders: status, stage, guía, carrier, label.

Owns: matching a page of Dropi's order list to the shop's ``DropiOrder`` rows and writing the
changes — once per change, idempotent under re-reading the same page (each order is compared
with what is stored, under its row lock, in its own transaction, together with its history
line and the transition hook). Must not call Dropi (``tracking_sync`` pages through it) nor
decide what a transition does in Shopify or WhatsApp (``shipping_transitions``).

Matching, in order: the Dropi order id already recorded; ``shop_order_id`` = the Shopify order
id (orders the app placed, and those the bot placed with the id the app sent it); the Shopify
order name Dropi carries (``shop_order_number``, unverified). A Dropi order of a Shopify order
the app had no ``DropiOrder`` for (the bot placed it) is recorded as placed by the bot when the
app knows that Shopify order of this shop (it sent its flow): a Dropi account may serve other
stores too, whose orders are never recorded here (counted as unmatched).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from connector.dropi.orders import DropiOrderSummary
from shops.models import DropiOrder, DropiOrderMode, FlowDelivery
from shops.services.dropi_order_events import Actor, Kind, dropi_order_event_add, dropi_order_events_add_many
from shops.services.dropi_status_map import stage_for_status
from shops.services.shipping_transitions import transition_recorded

logger = logging.getLogger(__name__)

State = DropiOrder.State
# Orders the app is not placing: found in Dropi, they become the bot's (never placed twice).
ADOPTABLE = (State.BOT, State.AWAITING, State.NEEDS_LINK, State.ADDRESS, State.FAILED)
SHIPPING_COLUMNS = ("dropi_status", "shipping_stage", "guia", "carrier", "label_url", "tracking_url")
READ_COLUMNS = ("pk", "shopify_order_id", "order_name", "dropi_order_id", "state", *SHIPPING_COLUMNS)
SHOPIFY_ID_RE = re.compile(r"^(?:gid://shopify/Order/)?([0-9]{1,20})$")


@dataclass
class PageOutcome:
    read: int = 0
    changed: int = 0
    unmatched: int = 0
    adopted: int = 0
    conflicts: list[str] = field(default_factory=list)

    def add(self, other: PageOutcome) -> None:
        self.read += other.read
        self.changed += other.changed
        self.unmatched += other.unmatched
        self.adopted += other.adopted
        self.conflicts.extend(other.conflicts)


def _url(value: str) -> str:
    return value[:500] if value.startswith(("https://", "http://")) and len(value) <= 500 else ""


def _values(summary: DropiOrderSummary, status_map: dict[str, str], known: dict[str, Any]) -> dict[str, str]:
    """The shipping columns as Dropi gives them now (a tracking URL only when Dropi gives one;
    the stored one is kept only for the same guía and carrier, never passed on to a new guía)."""
    guia, carrier = summary.guide[:64], summary.carrier[:100]
    same_shipment = known.get("guia", "") == guia and known.get("carrier", "") == carrier
    return {
        "dropi_status": summary.status[:64],
        "shipping_stage": stage_for_status(summary.status, status_map),
        "guia": guia,
        "carrier": carrier,
        "label_url": _url(summary.label_url),
        "tracking_url": _url(summary.tracking_url) or (known.get("tracking_url", "") if same_shipment else ""),
    }


def _shopify_id(summary: DropiOrderSummary) -> str:
    found = SHOPIFY_ID_RE.match(summary.shop_order_id.strip())
    return found.group(1) if found else ""


def _names(summary: DropiOrderSummary) -> set[str]:
    name = summary.shop_order_number.strip().lstrip("#")
    return {name, f"#{name}"} if name else set()


class _Known:
    """The shop's DropiOrder rows a page may be about, read in one query."""

    def __init__(self, shop: str, orders: Sequence[DropiOrderSummary]) -> None:
        ids = {order.id for order in orders}
        shopify_ids = {_shopify_id(order) for order in orders} - {""}
        names = set().union(*(_names(order) for order in orders)) if orders else set()
        rows = DropiOrder.objects.filter(shop=shop).filter(
            Q(dropi_order_id__in=ids) | Q(shopify_order_id__in=shopify_ids) | Q(order_name__in=names)
        )
        self.by_dropi: dict[str, dict[str, Any]] = {}
        self.by_shopify: dict[str, dict[str, Any]] = {}
        self.by_name: dict[str, dict[str, Any]] = {}
        for row in rows.values(*READ_COLUMNS):
            if row["dropi_order_id"]:
                self.by_dropi[row["dropi_order_id"]] = row
            self.by_shopify[row["shopify_order_id"]] = row
            if row["order_name"]:
                self.by_name[row["order_name"]] = row

    def find(self, summary: DropiOrderSummary) -> dict[str, Any] | None:
        row = self.by_dropi.get(summary.id) or self.by_shopify.get(_shopify_id(summary))
        if row is None:
            row = next((self.by_name[name] for name in _names(summary) if name in self.by_name), None)
        return row


def tracking_page_record(*, shop: str, orders: Sequence[DropiOrderSummary], status_map: dict[str, str]) -> PageOutcome:
    """Record one page of Dropi's order list for ``shop``; what was read, changed, not matched."""
    outcome = PageOutcome(read=len(orders))
    known = _Known(shop, orders)
    changes: dict[int, tuple[DropiOrderSummary, dict[str, str]]] = {}
    for summary in orders:
        row = known.find(summary)
        if row is None:
            row = _record_unseen(shop, summary)
            if row is None:
                outcome.unmatched += 1
                continue
            outcome.adopted += 1
        if row["dropi_order_id"] and row["dropi_order_id"] != summary.id:
            # A second Dropi order for one Shopify order: the first one recorded stays the order's.
            outcome.conflicts.append(summary.id)
            continue
        if not row["dropi_order_id"]:
            outcome.adopted += _adopt(row["pk"], summary)
        values = _values(summary, status_map, row)
        if any(row[name] != value for name, value in values.items()):
            changes[row["pk"]] = (summary, values)
    outcome.changed += _apply(changes)
    return outcome


def _record_unseen(shop: str, summary: DropiOrderSummary) -> dict[str, Any] | None:
    """A Dropi order of one of the shop's Shopify orders the app had no DropiOrder for (the bot
    placed it): recorded as placed by the bot. None when no Shopify order of the shop matches."""
    deliveries = FlowDelivery.objects.filter(shop=shop, kind=FlowDelivery.Kind.ORDER_CREATED)
    shopify_id = _shopify_id(summary)
    if shopify_id:
        deliveries = deliveries.filter(shopify_object_id=shopify_id)
    elif _names(summary):
        deliveries = deliveries.filter(order_name__in=_names(summary))
    else:
        return None
    delivery = deliveries.values("shopify_object_id", "order_name").first()
    if delivery is None:
        return None
    defaults = {
        "order_name": delivery["order_name"],
        "mode": DropiOrderMode.BOT,
        "state": State.BOT,
        "dropi_order_id": summary.id[:64],
    }
    try:
        with transaction.atomic():
            order, created = DropiOrder.objects.get_or_create(
                shop=shop, shopify_order_id=delivery["shopify_object_id"], defaults=defaults
            )
    except IntegrityError:
        order, created = DropiOrder.objects.get(shop=shop, shopify_order_id=delivery["shopify_object_id"]), False
    if created:
        dropi_order_event_add(
            order_id=order.pk, kind=Kind.FOUND_IN_DROPI, actor=Actor.DROPI, detail={"dropi_order_id": summary.id}
        )
    return DropiOrder.objects.filter(pk=order.pk).values(*READ_COLUMNS).first()


def _adopt(order_id: int, summary: DropiOrderSummary) -> int:
    """The order exists in Dropi though the app has not placed it: record its Dropi id, so the
    app never places it a second time (an order queued for placement is looked up first)."""
    now = timezone.now()
    adopted = DropiOrder.objects.filter(pk=order_id, dropi_order_id="", state__in=ADOPTABLE).update(
        state=State.BOT, dropi_order_id=summary.id[:64], error_code="", updated_at=now
    )
    if adopted:
        dropi_order_event_add(
            order_id=order_id, kind=Kind.FOUND_IN_DROPI, actor=Actor.DROPI, detail={"dropi_order_id": summary.id}
        )
    else:
        DropiOrder.objects.filter(pk=order_id, dropi_order_id="", state=State.QUEUED).update(needs_lookup=True)
    return adopted


def _apply(changes: dict[int, tuple[DropiOrderSummary, dict[str, str]]]) -> int:
    """Write a page's changed orders, one history line each and their transitions, in one
    transaction, under the rows' locks (taken in id order): a page read twice, or by two
    workers, records each change once. How many orders changed."""
    if not changes:
        return 0
    with transaction.atomic():
        locked = DropiOrder.objects.select_for_update().filter(pk__in=list(changes)).order_by("pk")
        changed: list[tuple[DropiOrder, dict[str, str]]] = []
        lines: list[dict[str, Any]] = []
        for order in locked:
            summary, values = changes[order.pk]
            if all(getattr(order, name) == value for name, value in values.items()):
                continue  # recorded meanwhile
            previous = {"stage": order.shipping_stage, "guia": order.guia, "carrier": order.carrier}
            for name, value in values.items():
                setattr(order, name, value)
            order.dropi_status_changed_at = summary.updated_at or timezone.now()
            order.updated_at = timezone.now()
            changed.append((order, previous))
            lines.append(_history_line(order))
        if not changed:
            return 0
        for order, _previous in changed:  # plain UPDATEs: cheaper to build than one bulk CASE
            columns = {name: getattr(order, name) for name in (*SHIPPING_COLUMNS, "dropi_status_changed_at")}
            DropiOrder.objects.filter(pk=order.pk).update(updated_at=order.updated_at, **columns)
        dropi_order_events_add_many(lines)
        for order, previous in changed:
            if (order.shipping_stage, order.guia, order.carrier) != tuple(previous.values()):
                transition_recorded(
                    order,
                    previous_stage=previous["stage"],
                    previous_guia=previous["guia"],
                    previous_carrier=previous["carrier"],
                )
    return len(changed)


def _history_line(order: DropiOrder) -> dict[str, Any]:
    detail = {"status": order.dropi_status, "stage": order.shipping_stage, "guia": order.guia, "carrier": order.carrier}
    return {
        "order_id": order.pk,
        "kind": Kind.STATUS,
        "actor": Actor.DROPI,
        "detail": detail,
        "at": order.dropi_status_changed_at,
    }
