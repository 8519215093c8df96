"""Handlers of the shops app's webhook topics: uninstall, the 48-hour ``shop/redact``, new
orders and checkouts (mapped to their topics in settings.WEBHOOK_HANDLERS; the contract is in
``webhooks.registry``). Handlers only record work; flows are sent by tasks."""

from __future__ import annotations

from typing import Any

from connector.errors import WebhookPayloadError
from shops import services
from shops.services import deliveries
from webhooks.registry import WebhookEventInfo
from webhooks.webhook_handlers import require_shop_domain


def handle_app_uninstalled(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    # The payload is the Shop resource; when it names its domain, it must be this shop.
    domain = payload.get("myshopify_domain")
    if domain is not None and domain != shop:
        raise WebhookPayloadError("the payload's myshopify_domain is not the delivery's shop")
    services.shop_uninstall(shop=shop, uninstalled_at=event.happened_at)


def handle_shop_redact(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    require_shop_domain(payload, shop)
    services.shop_purge(shop=shop, unless_installed_after=event.happened_at)


def handle_orders_create(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    """Record the 'Nuevo Pedido' delivery (sent by a task; a repeated event finds it)."""
    if not payload.get("id"):
        raise WebhookPayloadError("the order has no id")
    deliveries.flow_delivery_record_order(shop=shop, order=payload)


def handle_checkouts_create(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    """Record (or refresh) the 'Carrito Abandonado' delivery, due after the shop's delay."""
    if not payload.get("token"):
        raise WebhookPayloadError("the checkout has no token")
    deliveries.flow_delivery_record_checkout(shop=shop, checkout=payload)


def handle_checkouts_update(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    handle_checkouts_create(shop=shop, payload=payload, event=event)
