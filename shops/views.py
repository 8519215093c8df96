"""Embedded pages of the shops app (Pedidos, Configuración — Tema lives in the themes app),
their JSON endpoints, and Ecomdrop's callback. Views parse, call a service and render; no vendor call while rendering
a page (the pages load vendor data through their JSON endpoints)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistant.selectors import ai_profile_panel_context
from connector.embedded import api_error, embedded_context, embedded_view, read_json
from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError, ShopifyForbidden
from shops import services
from shops.countries import COUNTRIES
from shops.models import FlowDelivery, ShopConfiguration
from shops.services import callback as callback_services
from shops.services import deliveries

logger = logging.getLogger(__name__)

CALLBACK_BODY_LIMIT = 64 * 1024
RECENT_DELIVERIES = 10
ORDERS_PER_PAGE = 25


def _configuration(request: HttpRequest) -> ShopConfiguration:
    return services.shop_configuration_get_or_create(shop=request.shop)[0]


PROBLEMS = {
    "EcomdropAuthError": gettext_noop("Ecomdrop refused the API key. Connect it again in Configuration › Ecomdrop."),
    "EcomdropNotFound": gettext_noop("Ecomdrop did not find the contact or the flow (was the flow deleted?)."),
    "EcomdropBadRequest": gettext_noop("Ecomdrop refused the data that was sent."),
    "EcomdropRateLimited": gettext_noop("Ecomdrop asked to slow down."),
    "EcomdropTimeout": gettext_noop(
        "Ecomdrop did not confirm in time; the message may have gone out, so it is not resent automatically."
    ),
    "EcomdropUnavailable": gettext_noop("Ecomdrop was not answering."),
    "EcomdropServerError": gettext_noop("Ecomdrop answered with a server error."),
    "WorkerLost": gettext_noop("The app stopped while sending the flow."),
}


FLOWS_CLEARED_NOTICE = gettext_noop(
    "The flows chosen in the previous Ecomdrop account were removed: choose the flows of this account."
)

# What each contact custom field receives (keys of deliveries.DEFAULT_FIELD_NAMES).
CONTACT_FIELD_PURPOSES = {
    "order_name": gettext_noop("Order number (#1014)"),
    "order_total": gettext_noop("Order or cart total"),
    "currency": gettext_noop("Currency"),
    "products": gettext_noop("Products (quantity and name)"),
    "address": gettext_noop("Shipping address"),
    "city": gettext_noop("City"),
    "payment": gettext_noop("Payment method ('Contra entrega' for cash on delivery)"),
    "admin_url": gettext_noop("Link to the order in Shopify admin"),
    "order_id": gettext_noop("Shopify order id (the callback sends it back)"),
    "cart_url": gettext_noop("Link to recover the abandoned cart"),
}


def contact_fields_context(configuration: ShopConfiguration) -> list[dict[str, str]]:
    """The contact custom fields the page lists (names only: whether they exist is fetched later)."""
    names = services.ecomdrop_contact_field_names(configuration=configuration)
    return [
        {"key": key, "name": name, "purpose": _(CONTACT_FIELD_PURPOSES[key]) if key in CONTACT_FIELD_PURPOSES else ""}
        for key, name in names.items()
    ]


def delivery_problem(delivery: FlowDelivery) -> str:
    """What went wrong with a delivery, in plain words for the merchant."""
    if delivery.status == FlowDelivery.Status.SKIPPED:
        return delivery.get_skip_reason_display()
    if not delivery.last_error:
        return ""
    error_type = delivery.last_error.split(":", 1)[0]
    if error_type in PROBLEMS:
        text = _(PROBLEMS[error_type])
        if delivery.status == FlowDelivery.Status.PENDING:
            retry_note = _("It will be retried automatically.")
            text = f"{text} {retry_note}"
        elif delivery.status == FlowDelivery.Status.UNCONFIRMED and error_type != "EcomdropTimeout":
            unconfirmed_note = _("The message may have gone out, so it is not resent automatically.")
            text = f"{text} {unconfirmed_note}"
        return text
    return delivery.last_error


def _delivery_json(delivery: FlowDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "kind": delivery.kind,
        "kind_label": delivery.get_kind_display(),
        "order_name": delivery.order_name,
        "shopify_id": delivery.shopify_object_id,
        "status": delivery.status,
        "status_label": delivery.get_status_display(),
        "skip_reason": delivery.get_skip_reason_display() if delivery.skip_reason else "",
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "problem": delivery_problem(delivery),
        "created_at": delivery.created_at.isoformat(),
        "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
        "callback_tags": delivery.callback_tags,
        "resendable": delivery.status in deliveries.RESENDABLE,
    }


def configuration_state(configuration: ShopConfiguration) -> dict[str, Any]:
    """What the Configuración page shows (secrets as status only)."""
    return {
        "ecomdrop": {
            "connected": bool(configuration.ecomdrop_api_key),
            "key_status": str(configuration.ecomdrop_api_key) if configuration.ecomdrop_api_key else "",
            "account_name": configuration.ecomdrop_account_name,
            "nuevo_pedido_flow_id": configuration.nuevo_pedido_flow_id or "",
            "carrito_abandonado_flow_id": configuration.carrito_abandonado_flow_id or "",
            "abandoned_cart_delay_minutes": configuration.abandoned_cart_delay_minutes,
            "flows_cleared": configuration.ecomdrop_flows_cleared,
        },
        "dropi": {
            "configured": bool(configuration.dropi_store_name and configuration.dropi_token),
            "store_name": configuration.dropi_store_name or "",
            "country": configuration.dropi_country or "",
            "token_status": str(configuration.dropi_token) if configuration.dropi_token else "",
        },
        "callback_url": f"{settings.SHOPIFY_APP_URL}/api/ecomdrop/callback",
        "updated_at": configuration.updated_at.isoformat() if configuration.updated_at else None,
    }


# --------------------------------------------------------------------------- pages
@embedded_view
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    """Pedidos: recent orders and what Ecomdrop did with them."""
    configuration = _configuration(request)
    return render(
        request,
        "shops/orders.html",
        {**embedded_context(request), "active": "orders", "state": configuration_state(configuration)},
    )


@embedded_view
@require_GET
def configuration(request: HttpRequest) -> HttpResponse:
    """Configuración: Ecomdrop, Dropi, Asistente IA and Estado."""
    configuration = _configuration(request)
    state = configuration_state(configuration)
    nothing_configured = not state["ecomdrop"]["connected"] and not state["dropi"]["configured"]
    tabs = ("ecomdrop", "dropi", "assistant", "status")
    tab = request.GET.get("tab")
    if tab not in tabs:
        tab = "status" if nothing_configured else "ecomdrop"
    recent = FlowDelivery.objects.filter(shop=request.shop).order_by("-id")[:RECENT_DELIVERIES]
    last_error = (
        FlowDelivery.objects.filter(
            shop=request.shop, status__in=(FlowDelivery.Status.FAILED, FlowDelivery.Status.UNCONFIRMED)
        )
        .exclude(last_error="")
        .order_by("-id")
        .first()
    )
    return render(
        request,
        "shops/configuration.html",
        {
            **embedded_context(request),
            "active": "configuration",
            "tab": tab,
            "state": state,
            "countries": COUNTRIES,
            "deliveries": recent,
            "last_error": last_error,
            "last_problem": delivery_problem(last_error) if last_error else "",
            "assistant": ai_profile_panel_context(shop=request.shop, shop_configuration=configuration),
            "contact_fields": contact_fields_context(configuration),
            "order_id_field": services.ecomdrop_contact_field_names(configuration=configuration)["order_id"],
        },
    )


# --------------------------------------------------------------------------- Configuración API
@embedded_view
@require_POST
def api_ecomdrop_connect(request: HttpRequest) -> JsonResponse:
    try:
        body = read_json(request)
        configuration = services.ecomdrop_connect(shop=request.shop, api_key=str(body.get("api_key") or ""))
    except ApplicationError as error:
        return api_error(error)
    message = _("Connected to Ecomdrop IA.")
    if configuration.ecomdrop_flows_cleared:
        notice = _(FLOWS_CLEARED_NOTICE)
        message = f"{message} {notice}"
    return JsonResponse({"message": message, "state": configuration_state(configuration)})


@embedded_view
@require_POST
def api_ecomdrop_disconnect(request: HttpRequest) -> JsonResponse:
    configuration = services.ecomdrop_disconnect(shop=request.shop)
    return JsonResponse({"message": _("Ecomdrop was disconnected."), "state": configuration_state(configuration)})


@embedded_view
@require_http_methods(["GET", "POST"])
def api_ecomdrop_flows(request: HttpRequest) -> JsonResponse:
    """GET: the account's flows (``?refresh=1`` asks Ecomdrop again). POST: save the choice."""
    try:
        if request.method == "POST":
            body = read_json(request)
            delay = body.get("abandoned_cart_delay_minutes")
            try:
                delay = int(delay) if delay not in (None, "") else None
            except (TypeError, ValueError) as error:
                raise ApplicationError(
                    _("The delay must be a number of minutes."), field="abandoned_cart_delay_minutes"
                ) from error
            configuration = services.ecomdrop_flows_save(
                shop=request.shop,
                nuevo_pedido_flow_id=str(body.get("nuevo_pedido_flow_id") or "") or None,
                carrito_abandonado_flow_id=str(body.get("carrito_abandonado_flow_id") or "") or None,
                abandoned_cart_delay_minutes=delay,
            )
            return JsonResponse({"message": _("Flows saved."), "state": configuration_state(configuration)})
        configuration = _configuration(request)
        flows = services.ecomdrop_flows_list(configuration=configuration, refresh=request.GET.get("refresh") == "1")
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse(
        {"flows": [{"id": flow.id, "name": flow.name} for flow in flows], "state": configuration_state(configuration)}
    )


@embedded_view
@require_GET
def api_ecomdrop_contact_fields(request: HttpRequest) -> JsonResponse:
    """Which contact custom fields the deliveries write exist in the account (``?refresh=1`` asks again)."""
    configuration = _configuration(request)
    try:
        fields = services.ecomdrop_contact_fields_status(
            configuration=configuration, refresh=request.GET.get("refresh") == "1"
        )
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse(
        {
            "fields": [{"key": field.key, "name": field.name, "exists": field.exists} for field in fields],
            "missing": [field.name for field in fields if not field.exists],
        }
    )


@embedded_view
@require_POST
def api_dropi_settings(request: HttpRequest) -> JsonResponse:
    try:
        body = read_json(request)
        configuration = services.dropi_settings_save(
            shop=request.shop,
            store_name=str(body.get("store_name") or ""),
            country=str(body.get("country") or ""),
            token=str(body.get("token") or "") or None,
        )
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse({"message": _("Dropi settings saved."), "state": configuration_state(configuration)})


@embedded_view
@require_POST
def api_callback_secret(request: HttpRequest, action: str) -> JsonResponse:
    """Show (on request only, never in the page) or rotate the shop's callback secret."""
    configuration = _configuration(request)
    if action == "rotate":
        services.shop_configuration_rotate_callback_secret(configuration=configuration)
    elif action != "reveal":
        return JsonResponse({"error": _("Unknown action.")}, status=404)
    elif not configuration.callback_secret:
        services.shop_configuration_rotate_callback_secret(configuration=configuration)
    response = JsonResponse(
        {
            "url": f"{settings.SHOPIFY_APP_URL}/api/ecomdrop/callback",
            "header": "X-Connector-Token",
            "secret": configuration.callback_secret.reveal(),
            "message": _("A new secret was generated; update it in your Ecomdrop flows.") if action == "rotate" else "",
        }
    )
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- Pedidos API
@embedded_view
@require_GET
def api_orders(request: HttpRequest) -> JsonResponse:
    """A page of recent Shopify orders (cursor pagination) with each order's delivery state."""
    variables: dict[str, Any] = {"first": ORDERS_PER_PAGE}
    if request.GET.get("before"):
        variables = {"last": ORDERS_PER_PAGE, "before": request.GET["before"][:200]}
    elif request.GET.get("after"):
        variables["after"] = request.GET["after"][:200]
    try:
        result = shopify_admin_client(shop=request.shop).execute("recent_orders", variables)
    except ShopifyForbidden:
        return JsonResponse(
            {"error": _("Shopify has not approved this app to read orders (protected customer data).")}, status=403
        )
    except ShopifyError:
        return JsonResponse({"error": _("Shopify is not answering right now. Try again in a minute.")}, status=502)
    connection = result.data.get("orders") or {}
    nodes = connection.get("nodes") or []
    ids = [str(node.get("legacyResourceId") or str(node.get("id", "")).rsplit("/", 1)[-1]) for node in nodes]
    by_order = {
        delivery.shopify_object_id: delivery
        for delivery in FlowDelivery.objects.filter(
            shop=request.shop, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id__in=ids
        )
    }
    orders_json = []
    for node, order_id in zip(nodes, ids, strict=True):
        money = ((node.get("totalPriceSet") or {}).get("shopMoney")) or {}
        delivery = by_order.get(order_id)
        orders_json.append(
            {
                "id": order_id,
                "name": node.get("name"),
                "created_at": node.get("createdAt"),
                "financial_status": node.get("displayFinancialStatus"),
                "fulfillment_status": node.get("displayFulfillmentStatus"),
                "total": money.get("amount"),
                "currency": money.get("currencyCode"),
                "tags": node.get("tags") or [],
                "admin_url": f"https://{request.shop}/admin/orders/{order_id}",
                "delivery": _delivery_json(delivery) if delivery else None,
            }
        )
    return JsonResponse({"orders": orders_json, "page_info": connection.get("pageInfo") or {}})


@embedded_view
@require_GET
def api_deliveries(request: HttpRequest) -> JsonResponse:
    """The shop's latest deliveries (Estado tab, and Pedidos when Shopify is unreachable)."""
    query = FlowDelivery.objects.filter(shop=request.shop)
    status = request.GET.get("status")
    if status in FlowDelivery.Status.values:
        query = query.filter(status=status)
    limit = request.GET.get("limit", "10")
    recent = query.order_by("-id")[: min(int(limit) if limit.isdigit() else 10, 50)]
    return JsonResponse({"deliveries": [_delivery_json(delivery) for delivery in recent]})


@embedded_view
@require_POST
def api_delivery_resend(request: HttpRequest, delivery_id: int) -> JsonResponse:
    delivery = FlowDelivery.objects.filter(Q(pk=delivery_id) & Q(shop=request.shop)).first()
    if delivery is None:
        return JsonResponse({"error": _("Delivery not found.")}, status=404)
    try:
        delivery = deliveries.flow_delivery_resend(delivery=delivery)
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse({"message": _("Queued to be sent again."), "delivery": _delivery_json(delivery)})


@embedded_view
@require_POST
def api_test_event(request: HttpRequest) -> JsonResponse:
    try:
        body = read_json(request)
        delivery = deliveries.flow_delivery_send_test(shop=request.shop, phone=str(body.get("phone") or ""))
    except ApplicationError as error:
        return api_error(error)
    delivery.refresh_from_db()
    return JsonResponse({"message": _("Test event queued."), "delivery": _delivery_json(delivery)})


# --------------------------------------------------------------------------- Ecomdrop callback
def _callback_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"success": False, "error": message}, status=status)


@csrf_exempt
@never_cache
def ecomdrop_callback(request: HttpRequest) -> JsonResponse:
    """Ecomdrop flows report a result here; the shop is identified by ``X-Connector-Token``."""
    if request.method != "POST":
        response = _callback_error("Method not allowed", 405)
        response["Allow"] = "POST"
        return response
    length = request.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > CALLBACK_BODY_LIMIT:
        return _callback_error("Request body too large", 413)
    configuration = callback_services.callback_configuration_for_secret(
        secret=request.headers.get("X-Connector-Token", "").strip()
    )
    if configuration is None:
        logger.warning("Ecomdrop callback with a missing or wrong secret")
        return _callback_error("Missing or invalid X-Connector-Token", 401)
    if callback_services.callback_rate_limited(shop=configuration.shop):
        response = _callback_error("Too many callbacks; slow down", 429)
        response["Retry-After"] = "60"
        return response
    try:
        body = read_json(request, limit=CALLBACK_BODY_LIMIT)
        result = callback_services.ecomdrop_callback_apply(configuration=configuration, body=body)
    except ApplicationError as error:
        return _callback_error(error.message, error.status)
    if result.test:
        return JsonResponse(
            {
                "success": True,
                "test": True,
                "message": _("Test event received; no order was changed."),
                "orderId": result.order_id,
                "orderName": result.order_name,
                "tags": result.tags,
            }
        )
    return JsonResponse(
        {
            "success": True,
            "message": f"Tags added successfully: {', '.join(result.tags)}",
            "orderId": result.order_id,
            "orderName": result.order_name,
            "tags": result.tags,
        }
    )
