"""What the webhooks app holds per shop and per customer (listed in settings.PERSONAL_DATA,
run by ``webhooks.privacy``): webhook payloads (orders, checkouts, privacy requests) and data
exports hold customers' data.
"""

from __future__ import annotations

import re
from typing import Any

from webhooks.models import CustomerDataExport, WebhookEvent
from webhooks.privacy import Customer, mask_personal_data

# Topics whose payloads are requests about data, not data (they are anonymised, not exported).
PRIVACY_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
SHOP_REDACT_TOPIC = "shop/redact"
SCAN_CHUNK = 500


def erase_shop_events(*, shop: str) -> int:
    deleted = 0
    for queryset in (
        # The shop/redact events themselves stay: they are the record of the purge.
        WebhookEvent.objects.filter(shop=shop).exclude(topic=SHOP_REDACT_TOPIC),
        CustomerDataExport.objects.filter(shop=shop),
    ):
        count, _ = queryset.delete()
        deleted += count
    return deleted


def _events_of(shop: str, *fields: str) -> Any:
    return (
        WebhookEvent.objects.filter(shop=shop)
        .exclude(topic=SHOP_REDACT_TOPIC)
        .only("pk", "topic", "payload", *fields)
        .order_by("pk")
        .iterator(chunk_size=SCAN_CHUNK)
    )


def export_webhook_events(*, shop: str, customer: Customer) -> list[dict[str, Any]]:
    """Stored Shopify payloads (orders, checkouts…) about the customer."""
    return [
        {"id": event.pk, "topic": event.topic, "received_at": event.created_at.isoformat(), "payload": event.payload}
        for event in _events_of(shop, "created_at")
        if event.topic not in PRIVACY_TOPICS
        and isinstance(event.payload, dict)
        and customer.appears_in(event.payload, topic=event.topic)
    ]


REMOVED_ERROR_TEXT = "(removed by customers/redact)"
_ERROR_CLASS = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _scrubbed_error(text: str) -> str:
    """An error text without its message, which may quote payload values; the exception class
    (``"ValueError: …"``, the last line of a traceback) is kept for diagnosis."""
    if not text:
        return text
    lines = [line for line in text.strip().splitlines() if line.strip()]
    name, colon, _message = (lines[-1] if lines else "").partition(":")
    if colon and _ERROR_CLASS.fullmatch(name.strip()):
        return f"{name.strip()}: {REMOVED_ERROR_TEXT}"
    return REMOVED_ERROR_TEXT


def anonymise_webhook_events(*, shop: str, customer: Customer) -> int:
    """Blank the personal fields of every stored payload about the customer (the privacy
    requests included) and the error texts recorded while processing those events (an
    exception message can quote the payload); the events stay, with attempt numbers, times
    and error classes, so what was processed remains visible."""
    changed = 0
    for event in _events_of(shop, "last_error", "attempt_errors"):
        if not isinstance(event.payload, dict) or not customer.appears_in(event.payload, topic=event.topic):
            continue
        updates: dict[str, Any] = {}
        anonymised = mask_personal_data(event.payload, replacement=None)
        if anonymised != event.payload:
            updates["payload"] = anonymised
        last_error = _scrubbed_error(event.last_error)
        if last_error != event.last_error:
            updates["last_error"] = last_error
        if isinstance(event.attempt_errors, list):
            attempt_errors = [
                {**entry, "error": _scrubbed_error(str(entry.get("error") or ""))} if isinstance(entry, dict) else entry
                for entry in event.attempt_errors
            ]
            if attempt_errors != event.attempt_errors:
                updates["attempt_errors"] = attempt_errors
        if updates:
            WebhookEvent.objects.filter(pk=event.pk).update(**updates)
            changed += 1
    return changed


def delete_data_exports(*, shop: str, customer: Customer) -> int:
    """Exports made for earlier data requests of the customer hold all their data."""
    ids = [
        export.pk
        for export in CustomerDataExport.objects.filter(shop=shop).only("pk", "document").iterator(chunk_size=100)
        if isinstance(export.document, dict)
        and isinstance(export.document.get("customer"), dict)
        and customer.is_same_as(export.document["customer"])
    ]
    deleted, _ = CustomerDataExport.objects.filter(pk__in=ids).delete()
    return deleted
