"""What the connector app holds per shop and per customer (see ``connector.privacy``).

Sessions and OAuth nonces belong to the shop and its staff; webhook payloads (orders,
checkouts, privacy requests) and data exports hold customers' data.
"""

from __future__ import annotations

from typing import Any

from connector.models import CustomerDataExport, OAuthState, ShopifySession, WebhookEvent
from connector.privacy import (
    Customer,
    customer_data_eraser,
    customer_data_exporter,
    mask_personal_data,
    shop_data_eraser,
)

# Topics whose payloads are requests about data, not data (they are anonymised, not exported).
PRIVACY_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")
SHOP_REDACT_TOPIC = "shop/redact"
SCAN_CHUNK = 500


@shop_data_eraser(ShopifySession, OAuthState, WebhookEvent, CustomerDataExport)
def erase_connector_shop_data(*, shop: str) -> int:
    deleted = 0
    for queryset in (
        ShopifySession.objects.filter(shop=shop),
        OAuthState.objects.filter(shop=shop),
        # The shop/redact events themselves stay: they are the record of the purge.
        WebhookEvent.objects.filter(shop=shop).exclude(topic=SHOP_REDACT_TOPIC),
        CustomerDataExport.objects.filter(shop=shop),
    ):
        count, _ = queryset.delete()
        deleted += count
    return deleted


def _events_of(shop: str) -> Any:
    return (
        WebhookEvent.objects.filter(shop=shop)
        .exclude(topic=SHOP_REDACT_TOPIC)
        .only("pk", "topic", "created_at", "payload")
        .order_by("pk")
        .iterator(chunk_size=SCAN_CHUNK)
    )


@customer_data_exporter("webhook_events")
def export_webhook_events(*, shop: str, customer: Customer) -> list[dict[str, Any]]:
    """Stored Shopify payloads (orders, checkouts…) about the customer."""
    return [
        {"id": event.pk, "topic": event.topic, "received_at": event.created_at.isoformat(), "payload": event.payload}
        for event in _events_of(shop)
        if event.topic not in PRIVACY_TOPICS
        and isinstance(event.payload, dict)
        and customer.appears_in(event.payload, topic=event.topic)
    ]


@customer_data_eraser("webhook_events")
def anonymise_webhook_events(*, shop: str, customer: Customer) -> int:
    """Blank the personal fields of every stored payload about the customer (the privacy
    requests included); the events stay, so what was processed remains visible."""
    changed = 0
    for event in _events_of(shop):
        if not isinstance(event.payload, dict) or not customer.appears_in(event.payload, topic=event.topic):
            continue
        anonymised = mask_personal_data(event.payload, replacement=None)
        if anonymised != event.payload:
            WebhookEvent.objects.filter(pk=event.pk).update(payload=anonymised)
            changed += 1
    return changed


@customer_data_eraser("data_exports")
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
