"""Handlers of the shops app's webhook topics: uninstall, the 48-hour ``shop/redact``, new
orders, checkouts and draft orders (mapped to their topics in settings.WEBHOOK_HANDLERS; the contract is in
``webhooks.registry``), and the confirmations of the two that end an installation
(settings.WEBHOOK_CONFIRMATIONS). Handlers only record work; flows are sent by tasks."""

from __future__ import annotations

from typing import Any

from connector import sessions
from connector.errors import WebhookPayloadError
from shops import services
from shops.services import deliveries, draft_carts
from webhooks.registry import WebhookEventInfo
from webhooks.webhook_handlers import refuse_keys_of_other_topics, require_shop_domain


def require_shop_resource(payload: dict[str, Any], shop: str) -> None:
    """``app/uninstalled`` carries the Shop resource; its ``myshopify_domain`` must be the signed
    delivery's shop. Shopify signs the body, not the headers: this stops another topic's body
    (an order has no such field) or another shop's being replayed as this shop's uninstall."""
    if payload.get("myshopify_domain") != shop:
        raise WebhookPayloadError("the payload's myshopify_domain is not the delivery's shop")


def confirm_app_uninstalled(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> bool:
    """Uninstall only when Shopify confirms it: a token that still works means the app is
    installed, so the event is a replayed or stale one (and is ignored)."""
    require_shop_resource(payload, shop)
    return not sessions.shopify_app_installed(shop=shop)


def handle_app_uninstalled(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    require_shop_resource(payload, shop)
    services.shop_uninstall(shop=shop, uninstalled_at=event.happened_at)


def _require_shop_redact_payload(payload: dict[str, Any], shop: str) -> None:
    require_shop_domain(payload, shop)
    # A customers/* body names the shop too: replayed under this topic it would purge the shop.
    refuse_keys_of_other_topics(payload, "customer", "orders_requested", "orders_to_redact", "data_request")


def confirm_shop_redact(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> bool:
    """Purge only a shop the app is no longer installed on (Shopify sends ``shop/redact`` 48
    hours after an uninstall): a token that still works means a replayed or stale request."""
    _require_shop_redact_payload(payload, shop)
    return not sessions.shopify_app_installed(shop=shop)


def handle_shop_redact(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    _require_shop_redact_payload(payload, shop)
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


def handle_draft_orders_create(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    """A COD form's abandoned draft: record (or refresh) its 'Carrito Abandonado' reminder when
    the shop's rules count it; a completed draft cancels the pending reminder."""
    if not payload.get("id"):
        raise WebhookPayloadError("the draft order has no id")
    draft_carts.flow_delivery_record_draft(shop=shop, draft=payload)


def handle_draft_orders_update(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    handle_draft_orders_create(shop=shop, payload=payload, event=event)


def handle_draft_orders_delete(*, shop: str, payload: dict[str, Any], event: WebhookEventInfo) -> None:
    """The draft was deleted: its pending reminder is cancelled."""
    if not payload.get("id"):
        raise WebhookPayloadError("the draft order has no id")
    draft_carts.flow_delivery_cancel_draft(shop=shop, draft_id=payload["id"])
