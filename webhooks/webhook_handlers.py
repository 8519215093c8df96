"""Handlers of the webhook topics the platform owns: granted scopes and the customer
privacy requests. Each checks its payload and calls one service (see
``webhooks.registry`` for the contract)."""

from __future__ import annotations

import logging
from typing import Any

from connector import sessions
from connector.errors import WebhookPayloadError
from webhooks import services
from webhooks.privacy import Customer
from webhooks.registry import WebhookEventInfo

logger = logging.getLogger(__name__)


def require_shop_domain(payload: dict[str, Any], shop: str) -> None:
    """Privacy payloads name their shop; it must be the signed delivery's shop header.

    Shopify signs the body, not the headers: this stops a captured body being replayed under
    another topic or shop.
    """
    if payload.get("shop_domain") != shop:
        raise WebhookPayloadError("the payload's shop_domain is not the delivery's shop")


def refuse_keys_of_other_topics(payload: dict[str, Any], *keys: str) -> None:
    """Refuse a payload holding fields that only another topic's payloads have: the topic is an
    unsigned header, so a captured body could be replayed under a topic it does not belong to."""
    present = sorted(key for key in keys if key in payload)
    if present:
        raise WebhookPayloadError(f"the payload has fields of another topic: {', '.join(present)}")


def handle_app_scopes_update(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    scopes = payload.get("current")
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise WebhookPayloadError("'current' is not a list of scopes")
    if not sessions.shopify_session_scopes_update(shop=shop, scopes=scopes):
        logger.info("Scopes update for a shop without an offline session", extra={"shop": shop})


def handle_customers_data_request(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    require_shop_domain(payload, shop)
    refuse_keys_of_other_topics(payload, "orders_to_redact")
    customer = Customer.from_privacy_payload(payload)
    request = payload.get("data_request")
    request_id = str(request.get("id") or "") if isinstance(request, dict) else ""
    services.customer_data_export_create(
        shop=shop, customer=customer, data_request_id=request_id[:64], source_event_id=event.id
    )


def handle_customers_redact(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    require_shop_domain(payload, shop)
    # A data request's body, replayed as a redact, would erase what the customer asked to see.
    refuse_keys_of_other_topics(payload, "orders_requested", "data_request")
    services.customer_data_redact(shop=shop, customer=Customer.from_privacy_payload(payload))
