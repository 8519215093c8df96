"""Handlers of the shop lifecycle webhook topics: uninstall and the 48-hour ``shop/redact``
(see ``connector.webhook_registry`` for the contract)."""

from __future__ import annotations

from typing import Any

from connector.errors import WebhookPayloadError
from connector.webhook_handlers import require_shop_domain
from connector.webhook_registry import WebhookEventInfo, webhook_handler
from shops import services


@webhook_handler("app/uninstalled")
def handle_app_uninstalled(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    # The payload is the Shop resource; when it names its domain, it must be this shop.
    domain = payload.get("myshopify_domain")
    if domain is not None and domain != shop:
        raise WebhookPayloadError("the payload's myshopify_domain is not the delivery's shop")
    services.shop_uninstall(shop=shop, uninstalled_at=event.happened_at)


@webhook_handler("shop/redact")
def handle_shop_redact(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    require_shop_domain(payload, shop)
    services.shop_purge(shop=shop, unless_installed_after=event.happened_at)
