"""The order flow's guardrails and quiet hours, applied when a delivery is processed.

Owns: deciding, from a delivery's recorded facts and the shop's ``DeliveryRules`` at that
moment, whether its flow is skipped (payment method, sales channel, order tag, possible
duplicate) or held (quiet hours in the shop's time zone: due when the window opens), with the
reason the merchant reads on Pedidos; and tagging a possible duplicate in Shopify. Must not
claim or finish deliveries (``delivery_job`` does) nor hold a transaction across Shopify.

A delivery the merchant sent again by hand (``guards_bypassed``) skips the order checks; quiet
hours still hold it. Test events are never held nor skipped here.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from connector.db_rows import row_instance
from connector.sessions import shopify_admin_client
from connector.shopify import ids
from connector.shopify.errors import ShopifyError
from connector.shopify.tags import tags_add
from shops.models import DeliveryRules, FlowDelivery

logger = logging.getLogger(__name__)

Kind = FlowDelivery.Kind
Skip = FlowDelivery.SkipReason


@dataclass(frozen=True)
class Verdict:
    skip: str = ""
    detail: str = ""
    hold_until: datetime.datetime | None = None


def delivery_rules_of(shop: str) -> DeliveryRules:
    """The shop's rules (the defaults, unsaved, when the merchant never saved them)."""
    return row_instance(DeliveryRules, {"shop": shop}) or DeliveryRules(shop=shop)


def _zone(name: str) -> tuple[zoneinfo.ZoneInfo, bool]:
    """The shop's zone and whether it is the shop's own (else the server's)."""
    try:
        return zoneinfo.ZoneInfo(name), True
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE), False


def quiet_hours_until(
    rules: DeliveryRules, *, time_zone: str, now: datetime.datetime
) -> tuple[datetime.datetime | None, str]:
    """When the quiet window that ``now`` falls in opens (None: not in one) and the local
    opening time as shown ("08:00 America/Bogota")."""
    start, end = rules.quiet_start, rules.quiet_end
    if not rules.quiet_hours_enabled or start is None or end is None or start == end:
        return None, ""
    zone, own = _zone(time_zone)
    local = now.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    quiet = (start <= moment < end) if start < end else (moment >= start or moment < end)
    if not quiet:
        return None, ""
    opens = datetime.datetime.combine(local.date(), end, tzinfo=zone)
    if opens <= local:
        opens = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), end, tzinfo=zone)
    label = f"{end:%H:%M} {zone.key}" if own else f"{end:%H:%M} {zone.key} (server zone: the shop's is unknown)"
    return opens.astimezone(datetime.UTC), label[:255]


def _order_skip(delivery: FlowDelivery, rules: DeliveryRules) -> Verdict:
    facts = delivery.facts or {}
    channel = str(facts.get("channel") or "")
    skip_channels = {str(name).strip().lower() for name in rules.skip_channels or [] if str(name).strip()}
    if channel and channel in skip_channels:
        return Verdict(Skip.CHANNEL, channel)
    skip_tags = {str(tag).strip().lower() for tag in rules.skip_tags or [] if str(tag).strip()}
    matching = [tag for tag in facts.get("tags") or [] if str(tag).lower() in skip_tags]
    if matching:
        return Verdict(Skip.TAG, ", ".join(matching)[:255])
    payment = str(facts.get("payment") or "unknown")
    gateway = str(facts.get("gateway") or "")
    if payment == "unknown":
        return Verdict(Skip.PAYMENT_UNKNOWN, gateway or "—")
    if payment not in (rules.payment_methods or []):
        return Verdict(Skip.PAYMENT, f"{payment}: {gateway}"[:255] if gateway else payment)
    earlier = _duplicate_of(delivery, rules)
    if earlier is not None:
        return Verdict(Skip.DUPLICATE, earlier.order_name or earlier.shopify_object_id)
    return Verdict()


def _duplicate_of(delivery: FlowDelivery, rules: DeliveryRules) -> FlowDelivery | None:
    """An earlier order of the same buyer with the same items within the window, or None."""
    items = (delivery.facts or {}).get("items")
    window = int(rules.duplicate_window_minutes or 0)
    if not window or not items or not delivery.phone_key:
        return None
    candidates = FlowDelivery.objects.filter(
        shop=delivery.shop,
        kind=Kind.ORDER_CREATED,
        phone_key=delivery.phone_key,
        pk__lt=delivery.pk,
        created_at__gte=delivery.created_at - datetime.timedelta(minutes=window),
    ).order_by("-pk")
    return next((row for row in candidates[:50] if (row.facts or {}).get("items") == items), None)


def guardrails_verdict(
    delivery: FlowDelivery, *, rules: DeliveryRules, time_zone: str, now: datetime.datetime
) -> Verdict:
    """Skip, hold or go (an empty verdict) for one delivery about to be processed."""
    if delivery.kind == Kind.TEST:
        return Verdict()
    if delivery.kind == Kind.ORDER_CREATED and not delivery.guards_bypassed:
        verdict = _order_skip(delivery, rules)
        if verdict.skip:
            return verdict
    until, label = quiet_hours_until(rules, time_zone=time_zone, now=now)
    if until is not None:
        return Verdict(detail=label, hold_until=until)
    return Verdict()


def duplicate_tag_in_shopify(delivery: FlowDelivery) -> str:
    """Tag the order held as a possible duplicate; "" when done, else what went wrong (logged;
    the delivery is skipped all the same)."""
    try:
        client = shopify_admin_client(shop=delivery.shop)
        tags_add(client, resource_id=ids.gid("Order", delivery.shopify_object_id), tags=[settings.DUPLICATE_ORDER_TAG])
    except (ShopifyError, ValueError) as error:
        logger.warning(
            "Could not tag a possible duplicate order (%s)",
            type(error).__name__,
            extra={"shop": delivery.shop, "delivery": delivery.pk},
        )
        return f"{type(error).__name__}: not tagged in Shopify"
    return ""


def delivery_waiting_behind(delivery: FlowDelivery) -> FlowDelivery | None:
    """The buyer's earlier delivery a pending one waits for (its turn comes after), or None."""
    return deliveries_waiting_behind([delivery]).get(delivery.pk)


def deliveries_waiting_behind(deliveries: Iterable[FlowDelivery]) -> dict[int, FlowDelivery]:
    """For each pending delivery of a page, the buyer's earliest unfinished delivery before it
    (its turn comes after that one); one query for the whole page."""
    pending = [row for row in deliveries if row.state == FlowDelivery.Status.PENDING and row.phone_key]
    if not pending:
        return {}
    buyers = Q()
    for shop, key in {(row.shop, row.phone_key) for row in pending}:
        buyers |= Q(shop=shop, phone_key=key)
    unfinished = (FlowDelivery.Status.PENDING, FlowDelivery.Status.PROCESSING, FlowDelivery.Status.SENDING)
    first: dict[tuple[str, str], FlowDelivery] = {}
    earlier = FlowDelivery.objects.filter(buyers, state__in=unfinished, pk__lt=max(row.pk for row in pending))
    for row in earlier.order_by("pk"):
        first.setdefault((row.shop, row.phone_key), row)
    return {
        row.pk: ahead
        for row in pending
        if (ahead := first.get((row.shop, row.phone_key))) is not None and ahead.pk < row.pk
    }
