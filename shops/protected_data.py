"""Telling when Shopify withholds the buyers' data from the app (protected customer data).

Owns: recognising an order delivery skipped because the buyer's data never arrived — no
phone (or one Shopify redacted) *and* no name (or a redacted one): a cash-on-delivery order
always has a name to ship to, so both missing means Shopify sent them empty, which it does to
apps not approved for protected customer data (level 2: name, phone, address) — and whether
that is still happening for a shop (the Estado banner). Read-only: deliveries are skipped by
``delivery_job`` with the reason ``no_phone`` / ``invalid_phone``; nothing here changes them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

from shops.models import FlowDelivery

# How far back Estado looks for orders that arrived without the buyer's data.
WINDOW = datetime.timedelta(days=7)
SCAN_LIMIT = 200
PHONE_SKIPS = (FlowDelivery.SkipReason.NO_PHONE, FlowDelivery.SkipReason.INVALID_PHONE)
# Empty, masked ("***", "•••", "xxxx") or a redaction marker ("[REDACTED]", "Redacted").
_MASKED = re.compile(r"^[\s*•xX#\-_.]*$")


def value_withheld(value: object) -> bool:
    """Whether a buyer field arrived empty or redacted."""
    text = "" if value is None else str(value).strip()
    return not text or bool(_MASKED.fullmatch(text)) or "redacted" in text.casefold()


def buyer_data_withheld(delivery: FlowDelivery) -> bool:
    """An order delivery skipped for its phone whose buyer name is missing or redacted too."""
    if delivery.kind != FlowDelivery.Kind.ORDER_CREATED or delivery.skip_reason not in PHONE_SKIPS:
        return False
    contact = delivery.contact if isinstance(delivery.contact, dict) else {}
    return value_withheld(contact.get("first_name")) and value_withheld(contact.get("last_name"))


@dataclass(frozen=True)
class WithheldOrders:
    count: int  # orders of the window skipped for withheld buyer data
    latest_order_name: str
    latest_at: datetime.datetime


def withheld_orders_recent(*, shop: str, now: datetime.datetime | None = None) -> WithheldOrders | None:
    """The shop's recent orders skipped because Shopify withheld the buyer's data, or None when
    there are none in the window or an order with a phone arrived after the last of them (the
    access was granted since)."""
    since = (now or timezone.now()) - WINDOW
    skipped = FlowDelivery.objects.filter(
        shop=shop,
        kind=FlowDelivery.Kind.ORDER_CREATED,
        state=FlowDelivery.Status.SKIPPED,
        skip_reason__in=PHONE_SKIPS,
        created_at__gte=since,
    ).order_by("-id")[:SCAN_LIMIT]
    withheld = [delivery for delivery in skipped if buyer_data_withheld(delivery)]
    if not withheld:
        return None
    latest = withheld[0]
    later_with_phone = FlowDelivery.objects.filter(
        shop=shop, kind=FlowDelivery.Kind.ORDER_CREATED, id__gt=latest.pk, phone__isnull=False
    ).exists()
    if later_with_phone:
        return None
    return WithheldOrders(count=len(withheld), latest_order_name=latest.order_name, latest_at=latest.created_at)
