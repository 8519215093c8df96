"""The map of webhook topics to their handlers.

Owns: finding the function that processes a Shopify topic ("orders/create"), as
settings.WEBHOOK_HANDLERS names it by dotted path (``grep "orders/create"`` finds the handler
in one hop), the confirmation settings.WEBHOOK_CONFIRMATIONS names for some topics, and the
reducer settings.WEBHOOK_PAYLOAD_REDUCERS names for those whose payloads are stored reduced. Must
not hold domain logic; handlers and confirmations live in ``<app>/webhook_handlers.py`` and
call services.

A handler has the signature ``handle_<topic>(*, shop, payload, event)``: ``event`` carries the
delivery's metadata (ids, triggered-at, attempt number). It runs inside a transaction that
also marks the event processed, so it must not call vendors over HTTP (record the intent in a
table and enqueue a task instead). Raising marks the attempt failed: exceptions with
``retryable = False`` fail the event at once, any other is retried with back-off.

A confirmation has the same signature and returns a bool. It runs before the handler's
transaction, with none open, so it may ask a vendor (``app/uninstalled`` asks Shopify whether
the app's token still works). False marks the event ignored without running the handler (a
replayed or stale event); raising counts as a failed attempt, exactly as for a handler.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class WebhookEventInfo:
    """What a handler knows about the event besides shop and payload."""

    id: int
    topic: str
    shop: str
    event_id: str
    webhook_id: str
    api_version: str
    triggered_at: datetime.datetime | None
    received_at: datetime.datetime
    attempt: int

    @property
    def happened_at(self) -> datetime.datetime:
        """When Shopify says the event happened (when it was received, if it did not say)."""
        return self.triggered_at or self.received_at


class WebhookHandler(Protocol):
    def __call__(self, *, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None: ...


def handler_for(topic: str) -> WebhookHandler | None:
    """The handler settings.WEBHOOK_HANDLERS names for ``topic``, or None (the event is then ignored)."""
    path = settings.WEBHOOK_HANDLERS.get(topic)
    return import_string(path) if path else None


class WebhookConfirmation(Protocol):
    def __call__(self, *, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> bool: ...


def confirmation_for(topic: str) -> WebhookConfirmation | None:
    """The confirmation settings.WEBHOOK_CONFIRMATIONS names for ``topic``, or None (act at once)."""
    path = settings.WEBHOOK_CONFIRMATIONS.get(topic)
    return import_string(path) if path else None


class WebhookPayloadReducer(Protocol):
    def __call__(self, payload: dict[str, Any]) -> dict[str, Any]: ...


def reducer_for(topic: str) -> WebhookPayloadReducer | None:
    """What settings.WEBHOOK_PAYLOAD_REDUCERS names to cut ``topic``'s payload down to what its
    handler uses before it is stored, or None (stored whole)."""
    path = settings.WEBHOOK_PAYLOAD_REDUCERS.get(topic)
    return import_string(path) if path else None


def registered_topics() -> list[str]:
    return sorted(settings.WEBHOOK_HANDLERS)
