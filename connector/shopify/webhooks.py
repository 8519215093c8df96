"""Shopify webhook deliveries: signature, headers and body.

Owns: the base64 HMAC-SHA256 signature of a raw body (``X-Shopify-Hmac-Sha256``, compared in
constant time), reading the delivery headers and parsing the JSON body into a
``WebhookDelivery``. Takes primitives and returns a dataclass; never imports models and never
logs payloads or signatures. Storing and processing deliveries is the inbox's job
(``webhooks.services``).

Header facts: shopify.dev › Apps › Webhooks › "Deliver webhooks through HTTPS" (the HMAC covers
the raw body only; ``X-Shopify-Event-Id`` is the same for every delivery of one event,
``X-Shopify-Webhook-Id`` is new for each delivery attempt).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.validators import is_valid_shop_domain, normalise_shop_domain, parse_json

# Shopify's payloads are far smaller; a bigger body is refused before it is read or parsed.
MAX_BODY_BYTES = 2 * 1024 * 1024

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
SHOP_HEADER = "X-Shopify-Shop-Domain"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
API_VERSION_HEADER = "X-Shopify-API-Version"
TRIGGERED_AT_HEADER = "X-Shopify-Triggered-At"

# What shopify.app.toml subscribes to (a test keeps the two equal).
SUBSCRIBED_TOPICS = (
    "app/uninstalled",
    "app/scopes_update",
    "orders/create",
    "checkouts/create",
    "checkouts/update",
    "draft_orders/create",
    "draft_orders/update",
    "draft_orders/delete",
)
COMPLIANCE_TOPICS = ("customers/data_request", "customers/redact", "shop/redact")

# "orders/create", "app/scopes_update", "customers/data_request", "bulk_operations/finish"…
TOPIC_RE = re.compile(r"^[a-z0-9_]+(?:/[a-z0-9_]+)+\Z")
TOPIC_MAX_LENGTH = 100
# Shopify sends UUIDs; anything printable and short is accepted so a format change is no outage.
DELIVERY_ID_RE = re.compile(r"^[A-Za-z0-9._:@/-]{1,100}\Z")
API_VERSION_MAX_LENGTH = 20


class InvalidWebhook(Exception):
    """A delivery that must be refused; ``status`` is the HTTP answer (400, 401, 413)."""

    def __init__(self, reason: str, *, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified delivery: who sent what, and the parsed JSON object."""

    topic: str
    shop: str
    webhook_id: str
    event_id: str
    api_version: str
    triggered_at: datetime.datetime | None
    payload: dict[str, Any] = field(repr=False)  # buyer data: never in reprs, logs or tracebacks


def webhook_signature(body: bytes, *, secret: str) -> str:
    """The value Shopify puts in ``X-Shopify-Hmac-Sha256`` for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_webhook_signature(body: bytes, signature: str | None, *, secret: str) -> bool:
    """Tell, in constant time, whether ``signature`` is the app's signature of ``body``."""
    if not signature:
        return False
    expected = webhook_signature(body, secret=secret).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def _parse_triggered_at(value: str) -> datetime.datetime | None:
    # Shopify sends nanoseconds ("2026-03-29T18:00:27.877041743Z"); Python keeps microseconds.
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def parse_webhook(*, headers: Mapping[str, str], body: bytes, secret: str) -> WebhookDelivery:
    """Verify and read one delivery. Raises InvalidWebhook: 401 for a missing or wrong
    signature (checked first, so unsigned requests learn nothing else), 400 for missing or
    malformed headers and for a body that is not a JSON object."""
    if not verify_webhook_signature(body, headers.get(SIGNATURE_HEADER), secret=secret):
        reason = "missing signature" if not headers.get(SIGNATURE_HEADER) else "invalid signature"
        raise InvalidWebhook(reason, status=401)

    topic = (headers.get(TOPIC_HEADER) or "").strip().lower()
    if not topic:
        raise InvalidWebhook(f"missing {TOPIC_HEADER}", status=400)
    if len(topic) > TOPIC_MAX_LENGTH or not TOPIC_RE.match(topic):
        raise InvalidWebhook(f"malformed {TOPIC_HEADER}", status=400)

    raw_shop = headers.get(SHOP_HEADER) or ""
    if not raw_shop.strip():
        raise InvalidWebhook(f"missing {SHOP_HEADER}", status=400)
    shop = normalise_shop_domain(raw_shop)
    if not is_valid_shop_domain(shop):
        raise InvalidWebhook(f"{SHOP_HEADER} is not a *.myshopify.com domain", status=400)

    webhook_id = (headers.get(WEBHOOK_ID_HEADER) or "").strip()
    event_id = (headers.get(EVENT_ID_HEADER) or "").strip()
    for name, value in ((WEBHOOK_ID_HEADER, webhook_id), (EVENT_ID_HEADER, event_id)):
        if value and not DELIVERY_ID_RE.match(value):
            raise InvalidWebhook(f"malformed {name}", status=400)
    if not webhook_id and not event_id:
        raise InvalidWebhook(f"missing {WEBHOOK_ID_HEADER}", status=400)

    api_version = (headers.get(API_VERSION_HEADER) or "").strip()[:API_VERSION_MAX_LENGTH]
    triggered_at = _parse_triggered_at(headers.get(TRIGGERED_AT_HEADER) or "")

    try:
        # Strict JSON: no NaN/Infinity, no lone surrogates (the database's JSON check refuses them).
        payload = parse_json(body)
    except ValueError as error:
        raise InvalidWebhook("body is not valid JSON", status=400) from error
    if not isinstance(payload, dict):
        raise InvalidWebhook("body is not a JSON object", status=400)

    return WebhookDelivery(
        topic=topic,
        shop=shop,
        webhook_id=webhook_id or event_id,
        # The event id is the de-duplication key; older deliveries without it fall back to the
        # webhook id (then only an identical retry of one delivery is recognised).
        event_id=event_id or webhook_id,
        api_version=api_version,
        triggered_at=triggered_at,
        payload=payload,
    )


def signed_delivery_headers(
    body: bytes,
    *,
    secret: str,
    topic: str,
    shop: str,
    webhook_id: str,
    event_id: str | None = None,
    api_version: str = "",
    triggered_at: str = "",
) -> dict[str, str]:
    """Headers of a delivery as Shopify sends them (tests, simulators and benchmarks)."""
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: webhook_signature(body, secret=secret),
        TOPIC_HEADER: topic,
        SHOP_HEADER: shop,
        WEBHOOK_ID_HEADER: webhook_id,
    }
    if event_id:
        headers[EVENT_ID_HEADER] = event_id
    if api_version:
        headers[API_VERSION_HEADER] = api_version
    if triggered_at:
        headers[TRIGGERED_AT_HEADER] = triggered_at
    return headers
