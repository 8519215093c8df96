"""The registry of webhook topic handlers.

Owns: mapping a Shopify topic string ("orders/create") to the function that processes it, and
importing every app's ``webhook_handlers`` module at start-up so they can register. Must not
hold domain logic; handlers live in ``<app>/webhook_handlers.py`` and call services.

A handler has the signature ``handle_<topic>(*, shop, payload, event)``: ``event`` carries the
delivery's metadata (ids, triggered-at, attempt number). It runs inside a transaction that
also marks the event processed, so it must not call vendors over HTTP (record the intent in a
table and enqueue a task instead). Raising marks the attempt failed: exceptions with
``retryable = False`` fail the event at once, any other is retried with back-off.
"""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules


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


_handlers: dict[str, WebhookHandler] = {}


def webhook_handler(topic: str) -> Callable[[WebhookHandler], WebhookHandler]:
    """Register the decorated function as the handler of ``topic`` (one handler per topic)."""

    def register(function: WebhookHandler) -> WebhookHandler:
        existing = _handlers.get(topic)
        if existing is not None and existing is not function:
            raise ImproperlyConfigured(
                f"Two handlers for webhook topic {topic!r}: {_name(existing)} and {_name(function)}"
            )
        _handlers[topic] = function
        return function

    return register


def _name(function: Any) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def handler_for(topic: str) -> WebhookHandler | None:
    """The handler registered for ``topic``, or None (the event is then ignored)."""
    return _handlers.get(topic)


def registered_topics() -> list[str]:
    return sorted(_handlers)


def autodiscover() -> None:
    """Import ``<app>.webhook_handlers`` of every installed app, then the modules listed in
    ``settings.WEBHOOK_HANDLER_MODULES`` (extra handlers, e.g. a test worker's)."""
    autodiscover_modules("webhook_handlers")
    for module_path in getattr(settings, "WEBHOOK_HANDLER_MODULES", []):
        importlib.import_module(module_path)
