"""Abandoned carts of COD form apps: draft orders as 'Carrito Abandonado' deliveries.

Owns: deciding whether a ``draft_orders/*`` payload is an abandoned COD form (the shop's
rules: cart source, the draft's tags or any open draft), recording its reminder — one per draft
(``shopify_object_id`` ``draft:<id>``), due after the shop's delay, refreshed by updates while
pending — and cancelling it when the draft is completed or deleted. The reminder then follows
the checkout reminders' path (same delay, exactly once, Pedidos). Must not call a vendor.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from connector.work import work_wake_turn
from shops.models import DeliveryRules, FlowDelivery, ShopConfiguration
from shops.services.deliveries import FLOW_DELIVERY, _record, cart_reminder_refresh
from shops.services.delivery_payloads import buyer_snapshot, checkout_field_values, clean_text, split_tags
from shops.services.guardrails import delivery_rules_of

Status = FlowDelivery.Status
Kind = FlowDelivery.Kind
Skip = FlowDelivery.SkipReason
OPEN_STATUSES = ("open", "invoice_sent", "")


def draft_object_id(draft_id: Any) -> str:
    return f"draft:{clean_text(draft_id)}"[:255]


def draft_counts(draft: dict[str, Any], rules: DeliveryRules) -> bool:
    """Whether an open draft is an abandoned COD form under the shop's rules."""
    if rules.cart_source == DeliveryRules.CartSource.CHECKOUTS:
        return False
    if rules.draft_any_open:
        return True
    wanted = {str(tag).strip().lower() for tag in rules.draft_tags or [] if str(tag).strip()}
    return any(tag.lower() in wanted for tag in split_tags(draft.get("tags")))


def draft_is_completed(draft: dict[str, Any]) -> bool:
    status = clean_text(draft.get("status")).lower()
    return status == "completed" or bool(draft.get("order_id")) or bool(draft.get("completed_at"))


def flow_delivery_record_draft(*, shop: str, draft: dict[str, Any]) -> tuple[FlowDelivery | None, str]:
    """Record, refresh or cancel the reminder of a ``draft_orders/create|update`` payload;
    return the reminder (None when there is none) and what happened: recorded, refreshed,
    completed, not_counted (no configured tag, or draft carts off) or closed (not open)."""
    object_id = draft_object_id(draft.get("id"))
    if draft_is_completed(draft):
        return draft_reminder_cancel(shop=shop, object_id=object_id, reason=Skip.DRAFT_COMPLETED), "completed"
    if clean_text(draft.get("status")).lower() not in OPEN_STATUSES:
        return None, "closed"
    existing = FlowDelivery.objects.filter(shop=shop, kind=Kind.CART_ABANDONED, shopify_object_id=object_id).first()
    if existing is None and not draft_counts(draft, delivery_rules_of(shop)):
        return None, "not_counted"
    configuration = ShopConfiguration.objects.filter(shop=shop).first()
    delay = datetime.timedelta(minutes=configuration.abandoned_cart_delay_minutes if configuration else 60)
    buyer = buyer_snapshot(draft, default_country=configuration.dropi_country if configuration else None)
    fields = checkout_field_values(draft)
    if existing is not None:
        cart_reminder_refresh(existing, buyer=buyer, fields=fields)
        existing.refresh_from_db()
        return existing, "refreshed"
    delivery, created = _record(
        shop=shop,
        kind=Kind.CART_ABANDONED,
        object_id=object_id,
        buyer=buyer,
        fields=fields,
        order_name=clean_text(draft.get("name")),
        run_after=timezone.now() + delay,
    )
    return delivery, "recorded" if created else "refreshed"


def draft_reminder_cancel(*, shop: str, object_id: str, reason: str) -> FlowDelivery | None:
    """Skip the draft's reminder while it is pending (completed or deleted before the delay
    ended); the buyer's next delivery may then run. Returns the reminder, if any."""
    delivery = FlowDelivery.objects.filter(shop=shop, kind=Kind.CART_ABANDONED, shopify_object_id=object_id).first()
    if delivery is None:
        return None
    cancelled = FlowDelivery.objects.filter(pk=delivery.pk, state=Status.PENDING, lease_owner="").update(
        state=Status.SKIPPED, skip_reason=reason, hold_reason="", next_attempt_at=None, updated_at=timezone.now()
    )
    if cancelled:
        work_wake_turn(job=FLOW_DELIVERY, pk=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def flow_delivery_cancel_draft(*, shop: str, draft_id: Any) -> FlowDelivery | None:
    """``draft_orders/delete``: the draft is gone, so is its reminder."""
    return draft_reminder_cancel(shop=shop, object_id=draft_object_id(draft_id), reason=Skip.DRAFT_DELETED)
