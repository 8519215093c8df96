"""The history of a Dropi order: what happened to it, who did it, when.

Owns: the words of the history (kinds and actors) and adding one line to it. Every bot action,
mode decision, placement attempt and result, and merchant click is one ``DropiOrderEvent`` row;
a bot action carrying an ``action_id`` is recorded once per order (unique), which is how a
repeated callback is recognised. Must not change the order itself.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from connector.db_rows import insert_unless_duplicate
from shops.models import DropiOrderEvent


class Kind:
    RECORDED = "recorded"  # the order arrived; detail: mode, lines resolved / unresolved
    CONFIRMED = "confirmed"  # the bot's confirm
    CANCELLED = "cancelled"  # the bot's cancel
    ADDRESS_CHANGED = "address_changed"  # the bot's update_address
    ADDRESS_EDITED = "address_edited"  # the merchant's edit form
    PLACE_REQUESTED = "place_requested"  # "Crear en Dropi"
    RETRY_REQUESTED = "retry_requested"  # "Reintentar"
    LOOKUP = "lookup"  # Dropi searched for an order an earlier attempt may have created
    ATTEMPT = "attempt"  # a create sent to Dropi
    PLACED = "placed"  # Dropi answered the order's id (or the look-up found it)
    RETRYING = "retrying"  # a failure that is tried again later
    PAUSED = "paused"  # Dropi's "Too Many Attempts": the order waits for the pause to end
    NEEDS_LINK = "needs_link"
    ADDRESS_REFUSED = "address_refused"
    FAILED = "failed"
    TAGGED = "tagged"  # dropi:<id> written on the Shopify order
    TAG_FAILED = "tag_failed"
    SHOPIFY_CANCELLED = "shopify_cancelled"
    DROPI_CANCEL_REQUIRED = "dropi_cancel_required"  # cancelled after the Dropi order existed
    STATUS = "status"  # Dropi's status sync saw a change; detail: status, stage, guia, carrier
    FOUND_IN_DROPI = "found_in_dropi"  # the sync found the order in Dropi (placed by the bot)
    # The shipping write-back and the WhatsApp shipping updates (shops.services.shipping_*).
    SHOPIFY_FULFILLED = "shopify_fulfilled"  # the order shipped in Shopify with the guía
    SHOPIFY_TRACKING = "shopify_tracking"  # its tracking replaced (new guía or carrier)
    SHOPIFY_RETURN_NOTED = "shopify_return_noted"  # the return written in the order's note
    SHIPPING_FLOW_SENT = "shipping_flow_sent"  # a stage's WhatsApp flow went out


class Actor:
    SHOPIFY = "shopify"
    BOT = "bot"
    MERCHANT = "merchant"
    APP = "app"
    STAFF = "staff"
    DROPI = "dropi"


# Kinds whose detail may hold an address (blanked when the buyer's data is erased).
ADDRESS_KINDS = (Kind.ADDRESS_CHANGED, Kind.ADDRESS_EDITED)


def dropi_order_event_add(
    *,
    order_id: int,
    kind: str,
    actor: str,
    detail: dict[str, Any] | None = None,
    action_id: str | None = None,
    at: datetime.datetime | None = None,
) -> bool:
    """Add one line to the order's history (at ``at``, default now); False (nothing added) when
    ``action_id`` is already recorded for this order."""
    line = {
        "order_id": order_id,
        "kind": kind,
        "actor": actor,
        "detail": detail or {},
        "action_id": action_id or None,
        "at": at or timezone.now(),
    }
    # A prepared INSERT (``connector.db_rows``): every new order writes one. A repeated
    # action is refused by the unique (order, action) key.
    return insert_unless_duplicate(DropiOrderEvent, line) is not None


def dropi_order_events_add_many(lines: list[dict[str, Any]]) -> None:
    """Add many lines at once (one INSERT; lines without ``action_id``), e.g. a page of Dropi
    status changes recorded in one transaction. Each dict: order_id, kind, actor, detail, at."""
    DropiOrderEvent.objects.bulk_create(
        DropiOrderEvent(
            order_id=line["order_id"],
            kind=line["kind"],
            actor=line["actor"],
            detail=line.get("detail") or {},
            at=line.get("at") or timezone.now(),
        )
        for line in lines
    )


def dropi_order_action_seen(*, order_id: int, action_id: str | None) -> bool:
    """Whether a bot action with this id was already recorded for the order."""
    return bool(action_id) and DropiOrderEvent.objects.filter(order_id=order_id, action_id=action_id).exists()
