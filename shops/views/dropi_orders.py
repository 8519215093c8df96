"""The Dropi side of Pedidos as JSON: each order's Dropi state with the problem and its fix,
the lines without a Dropi link, the history; the Dropi filters; "Crear en Dropi",
"Reintentar", the address form; and who places the shop's orders (Configuración › Dropi).
Views parse, call a service and answer JSON (the contract: docs/features.md › Pedidos)."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from connector.embedded import EmbeddedHttpRequest, api_error, embedded_view, read_json
from connector.errors import ApplicationError
from connector.shopify import ids
from shops.models import DropiOrder, DropiOrderMode, FlowDelivery
from shops.services import dropi_orders, guardrails, orders
from shops.services.dropi_order_events import Actor
from shops.views.pages import configuration_state, delivery_json
from shops.views.tracking import shipping_json

State = DropiOrder.State
PLACED_BY = {
    DropiOrderMode.BOT: "bot",
    DropiOrderMode.APP_ON_CONFIRM: "app",
    DropiOrderMode.APP_ON_ORDER: "app",
    DropiOrderMode.MANUAL: "merchant",
}
# What stopped an order (its ``error_code``) and what fixes it, in the merchant's words.
PROBLEMS = {
    "needs_link": (
        gettext_noop("Some products of the order have no Dropi link."),
        gettext_noop("Link them in Productos, then press Retry."),
    ),
    "address": (
        gettext_noop("Dropi refused the address: %(detail)s"),
        gettext_noop("Correct the address and save: the order is placed again."),
    ),
    "dropi_auth": (
        gettext_noop("Dropi did not accept your token."),
        gettext_noop("Copy a new token from Dropi › Integrations into Configuration › Dropi, then press Retry."),
    ),
    "dropi_not_configured": (
        gettext_noop("Dropi is not configured."),
        gettext_noop("Add your Dropi token in Configuration › Dropi, then press Retry."),
    ),
    "dropi_refused": (
        gettext_noop("Dropi refused the order: %(detail)s"),
        gettext_noop("Check the products and their stock in Dropi, then press Retry."),
    ),
    "rate_limited": (
        gettext_noop("Dropi asked the app to wait (too many attempts)."),
        gettext_noop("Nothing to do: the order is placed when the pause ends."),
    ),
    "unavailable": (
        gettext_noop("Dropi was not answering."),
        gettext_noop("Nothing to do: the app tries again by itself."),
    ),
    "unconfirmed": (
        gettext_noop("Dropi did not confirm the order."),
        gettext_noop("Nothing to do: the app looks for it in Dropi before trying again, so it is never placed twice."),
    ),
    "uninstalled": (gettext_noop("The app is not installed in the shop."), gettext_noop("Install the app again.")),
}
HISTORY = {
    "recorded": gettext_noop("Order received"),
    "flow_sent": gettext_noop("'Nuevo Pedido' flow sent"),
    "confirmed": gettext_noop("Confirmed by the bot"),
    "cancelled": gettext_noop("Cancelled"),
    "address_changed": gettext_noop("Address changed by the bot"),
    "address_edited": gettext_noop("Address corrected"),
    "place_requested": gettext_noop("'Create in Dropi' pressed"),
    "retry_requested": gettext_noop("Placement retried"),
    "lookup": gettext_noop("Looked up in Dropi"),
    "attempt": gettext_noop("Sent to Dropi"),
    "placed": gettext_noop("Created in Dropi"),
    "retrying": gettext_noop("Dropi failed; trying again later"),
    "paused": gettext_noop("Waiting for Dropi's pause"),
    "needs_link": gettext_noop("Waiting for product links"),
    "address_refused": gettext_noop("Address refused by Dropi"),
    "failed": gettext_noop("Failed"),
    "tagged": gettext_noop("Tagged in Shopify"),
    "tag_failed": gettext_noop("Shopify tag not written"),
    "shopify_cancelled": gettext_noop("Shopify order cancellation"),
    "dropi_cancel_required": gettext_noop("To cancel in Dropi"),
    "status": gettext_noop("Dropi status: %(status)s"),
    "found_in_dropi": gettext_noop("Found in Dropi (placed by the bot)"),
    "shopify_fulfilled": gettext_noop("Fulfilled in Shopify with the guía"),
    "shopify_tracking": gettext_noop("Tracking changed in Shopify"),
    "shopify_return_noted": gettext_noop("Return noted in Shopify"),
    "shipping_flow_sent": gettext_noop("WhatsApp shipping update sent"),
}
ACTORS = {
    "shopify": gettext_noop("Shopify"),
    "bot": gettext_noop("Ecomdrop bot"),
    "app": gettext_noop("App"),
    "merchant": gettext_noop("You"),
    "staff": gettext_noop("Support"),
    "dropi": gettext_noop("Dropi"),
}
UNRESOLVED = {
    "not_linked": gettext_noop("The product is not linked to Dropi"),
    "variant_not_mapped": gettext_noop("This variant is not linked to a Dropi variation"),
    "ambiguous": gettext_noop("Linked to more than one Dropi product"),
    "no_product": gettext_noop("A custom item without a Shopify product"),
}


def _problem(order: DropiOrder) -> tuple[str, str]:
    if order.dropi_cancel_required:
        return (
            _("Cancelled by the bot after Dropi order %(id)s was created.") % {"id": order.dropi_order_id},
            _("Cancel Dropi order %(id)s in Dropi.") % {"id": order.dropi_order_id},
        )
    if order.error_code not in PROBLEMS or order.state in (State.PLACED, State.TAGGING, State.CANCELLED):
        return "", ""
    problem, fix = PROBLEMS[order.error_code]
    detail = order.last_error.split(": ", 1)[-1] if order.error_code != "address" else order.last_error
    return _(problem) % {"detail": detail} if "%(detail)s" in problem else _(problem), _(fix)


def _unresolved_json(shop: str, line: dict[str, Any]) -> dict[str, Any]:
    product = ids.numeric_id(str(line.get("product_id") or ""))
    return {
        "title": line.get("title", ""),
        "variant_title": line.get("variant_title", ""),
        "sku": line.get("sku", ""),
        "quantity": line.get("quantity"),
        "reason": line.get("reason", ""),
        "reason_label": _(UNRESOLVED[line["reason"]]) if line.get("reason") in UNRESOLVED else "",
        "shopify_product_id": product or None,
        "product_admin_url": ids.admin_url(shop=shop, section="products", resource_id=product) if product else None,
        "link_url": "/app/",
    }


def _history(order: DropiOrder, delivery: FlowDelivery | None) -> list[dict[str, Any]]:
    entries = [
        {"kind": event.kind, "actor": event.actor, "at": event.at, "detail": event.detail}
        for event in order.events.all()
    ]
    if delivery is not None and delivery.sent_at is not None:
        entries.append({"kind": "flow_sent", "actor": Actor.APP, "at": delivery.sent_at, "detail": {}})
    entries.sort(key=lambda entry: entry["at"])
    for entry in entries:
        entry["label"] = _(HISTORY[entry["kind"]]) if entry["kind"] in HISTORY else entry["kind"]
        if "%(status)s" in entry["label"]:
            entry["label"] = entry["label"] % {"status": entry["detail"].get("status", "")}
        entry["actor_label"] = _(ACTORS[entry["actor"]]) if entry["actor"] in ACTORS else entry["actor"]
        entry["at"] = entry["at"].isoformat()
    return entries


def dropi_order_json(order: DropiOrder, delivery: FlowDelivery | None = None) -> dict[str, Any]:
    """What Pedidos shows of an order's Dropi side (the contract: docs/features.md › Pedidos)."""
    problem, fix = _problem(order)
    return {
        "state": order.state,
        "state_label": order.get_state_display(),
        "mode": order.mode,
        "placed_by": PLACED_BY[DropiOrderMode(order.mode)],
        "dropi_order_id": order.dropi_order_id or None,
        "dropi_status": order.dropi_status,
        "error_code": order.error_code,
        "problem": problem,
        "fix": fix,
        "must_cancel_in_dropi": order.dropi_cancel_required,
        "confirmed_at": order.confirmed_at.isoformat() if order.confirmed_at else None,
        "cancelled_at": order.cancelled_at.isoformat() if order.cancelled_at else None,
        "lines": [
            {key: line.get(key) for key in ("title", "variant_title", "sku", "quantity", "price", "resolved_by")}
            | {"dropi_product_id": line.get("dropi_product_id"), "dropi_variation_id": line.get("dropi_variation_id")}
            for line in order.lines
        ],
        "unresolved_lines": [_unresolved_json(order.shop, line) for line in order.unresolved_lines],
        "address": order.address,
        "can_place": order.state == State.AWAITING,
        "can_retry": order.state in dropi_orders.RETRYABLE,
        "can_edit_address": order.state in dropi_orders.ADDRESS_EDITABLE and not order.dropi_order_id,
        "history": _history(order, delivery),
        "shipping": shipping_json(order),
    }


def filtered_orders_response(request: EmbeddedHttpRequest, name: str) -> JsonResponse:
    """``GET /app/api/orders?filter=…``: the shop's Dropi orders the filter selects, from this
    app's records (no Shopify call), in the shape of the Shopify list."""
    try:
        page = orders.dropi_orders_filtered(shop=request.shop, name=name, after=request.GET.get("after", ""))
    except ApplicationError as error:
        return api_error(error)
    rows: list[dict[str, Any]] = []
    waiting_behind = guardrails.deliveries_waiting_behind(page.deliveries.values())
    for order in page.orders:
        delivery = page.deliveries.get(order.shopify_order_id)
        rows.append(
            {
                "id": order.shopify_order_id,
                "name": order.order_name,
                "created_at": order.created_at.isoformat(),
                "financial_status": None,
                "fulfillment_status": None,
                "total": str(order.total) if order.total is not None else None,
                "currency": order.currency or None,
                "tags": [],
                "admin_url": ids.admin_url(shop=request.shop, section="orders", resource_id=order.shopify_order_id),
                "delivery": delivery_json(delivery, waiting_behind) if delivery else None,
                "dropi": dropi_order_json(order, delivery),
            }
        )
    page_info = {
        "hasNextPage": page.next_cursor is not None,
        "hasPreviousPage": bool(request.GET.get("after")),
        "startCursor": None,
        "endCursor": page.next_cursor,
    }
    return JsonResponse({"orders": rows, "filter": name, "page_info": page_info})


def _answer(order: DropiOrder, message: str) -> JsonResponse:
    order.refresh_from_db()
    return JsonResponse({"message": message, "dropi": dropi_order_json(order)})


@embedded_view
@require_POST
def api_dropi_order_place(request: EmbeddedHttpRequest, order_id: str) -> JsonResponse:
    """ "Crear en Dropi": queue the order's placement (never a second one)."""
    try:
        order, queued = dropi_orders.dropi_order_place(shop=request.shop, order_id=order_id)
    except ApplicationError as error:
        return api_error(error)
    return _answer(
        order, _("Placing the order in Dropi.") if queued else _("The order is already on its way to Dropi.")
    )


@embedded_view
@require_POST
def api_dropi_order_retry(request: EmbeddedHttpRequest, order_id: str) -> JsonResponse:
    """ "Reintentar": queue an order that needed links, an address or failed."""
    try:
        order = dropi_orders.dropi_order_retry(shop=request.shop, order_id=order_id)
    except ApplicationError as error:
        return api_error(error)
    return _answer(order, _("Placing the order in Dropi again."))


@embedded_view
@require_POST
def api_dropi_order_address(request: EmbeddedHttpRequest, order_id: str) -> JsonResponse:
    """The address form: save the corrected address (Shopify's too); an order Dropi refused
    for its address is placed again."""
    try:
        order = dropi_orders.dropi_order_get(shop=request.shop, order_id=order_id)
        body = read_json(request)
        order, changed = dropi_orders.dropi_order_address_change(
            order=order, fields=body.get("address", body), actor=Actor.MERCHANT
        )
    except ApplicationError as error:
        return api_error(error)
    return _answer(order, _("Address saved.") if changed else _("The order already has this address."))


@embedded_view
@require_POST
def api_dropi_order_settings(request: EmbeddedHttpRequest) -> JsonResponse:
    """Who places the shop's Dropi orders, and whether the bot's cancel cancels in Shopify."""
    try:
        body = read_json(request)
        cancel = body.get("cancel_shopify_order", False)
        if not isinstance(cancel, bool):
            raise ApplicationError(_("cancel_shopify_order must be true or false."), field="cancel_shopify_order")
        configuration = dropi_orders.dropi_order_settings_save(
            shop=request.shop, mode=str(body.get("mode") or ""), cancel_shopify_order=cancel
        )
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse({"message": _("Dropi order settings saved."), "state": configuration_state(configuration)})
