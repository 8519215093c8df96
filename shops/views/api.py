"""The JSON endpoints of the shops app's embedded pages: who the page talks as, the
Configuración settings (Ecomdrop, Dropi, callback secret) and the Pedidos lists. Views parse,
call a service and answer JSON; errors the merchant can act on come back as ApplicationError."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connector.embedded import EmbeddedHttpRequest, api_error, embedded_view, read_json
from connector.errors import ApplicationError
from connector.shopify import ids
from connector.validators import parse_ascii_int
from shops import services
from shops.models import FlowDelivery, ShopConfiguration
from shops.services import deliveries, guardrails, orders
from shops.views.dropi_orders import dropi_order_json, filtered_orders_response
from shops.views.pages import (
    FLOWS_CLEARED_NOTICE,
    SHARED_ACCOUNT_NOTICE,
    configuration_state,
    delivery_json,
    request_configuration,
)

DEFAULT_DELIVERIES = 10
MAX_DELIVERIES = 50


@embedded_view
@require_GET
def api_session(request: EmbeddedHttpRequest) -> JsonResponse:
    """Who the embedded page is talking as: shop, language and installation state."""
    configuration = (
        ShopConfiguration.objects.filter(shop=request.shop).only("shop", "installed_at", "uninstalled_at").first()
    )
    return JsonResponse(
        {
            "shop": request.shop,
            "language": request.embedded.language,
            "installed": bool(configuration and configuration.is_installed),
        }
    )


# --------------------------------------------------------------------------- Configuración API
@embedded_view
@require_POST
def api_ecomdrop_connect(request: EmbeddedHttpRequest) -> JsonResponse:
    try:
        body = read_json(request)
        configuration = services.ecomdrop_connect(shop=request.shop, api_key=str(body.get("api_key") or ""))
    except ApplicationError as error:
        return api_error(error)
    message = _("Connected to Ecomdrop IA.")
    if configuration.ecomdrop_flows_cleared:
        notice = _(FLOWS_CLEARED_NOTICE)
        message = f"{message} {notice}"
    state = configuration_state(configuration)
    if state["ecomdrop"]["shared_with"]:
        shared = _(SHARED_ACCOUNT_NOTICE) % {"shops": ", ".join(state["ecomdrop"]["shared_with"])}
        message = f"{message} {shared}"
    return JsonResponse({"message": message, "state": state})


@embedded_view
@require_POST
def api_ecomdrop_disconnect(request: EmbeddedHttpRequest) -> JsonResponse:
    configuration = services.ecomdrop_disconnect(shop=request.shop)
    return JsonResponse({"message": _("Ecomdrop was disconnected."), "state": configuration_state(configuration)})


@embedded_view
@require_http_methods(["GET", "POST"])
def api_ecomdrop_flows(request: EmbeddedHttpRequest) -> JsonResponse:
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
        configuration = request_configuration(request)
        flows = services.ecomdrop_flows_list(configuration=configuration, refresh=request.GET.get("refresh") == "1")
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse(
        {"flows": [{"id": flow.id, "name": flow.name} for flow in flows], "state": configuration_state(configuration)}
    )


@embedded_view
@require_GET
def api_ecomdrop_contact_fields(request: EmbeddedHttpRequest) -> JsonResponse:
    """Which contact custom fields the deliveries write exist in the account (``?refresh=1`` asks again)."""
    configuration = request_configuration(request)
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
def api_dropi_settings(request: EmbeddedHttpRequest) -> JsonResponse:
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
def api_callback_secret(request: EmbeddedHttpRequest, action: str) -> JsonResponse:
    """Show (on request only, never in the page) or rotate the shop's callback secret."""
    configuration = request_configuration(request)
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
            "secret": configuration.callback_secret.reveal() if configuration.callback_secret is not None else "",
            "message": _("A new secret was generated; update it in your Ecomdrop flows.") if action == "rotate" else "",
        }
    )
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- Pedidos API
@embedded_view
@require_GET
def api_orders(request: EmbeddedHttpRequest) -> JsonResponse:
    """A page of recent Shopify orders (cursor pagination) with each order's delivery state and
    Dropi order; ``?filter=`` lists the Dropi orders a Dropi filter selects instead."""
    if request.GET.get("filter"):
        return filtered_orders_response(request, request.GET["filter"])
    try:
        recent = orders.orders_recent_get(
            shop=request.shop, after=request.GET.get("after", ""), before=request.GET.get("before", "")
        )
    except ApplicationError as error:
        return api_error(error)
    orders_json = []
    waiting_behind = guardrails.deliveries_waiting_behind(recent.deliveries.values())
    for order in recent.orders:
        delivery = recent.deliveries.get(order.numeric_id)
        orders_json.append(
            {
                "id": order.numeric_id,
                "name": order.name,
                "created_at": order.created_at.isoformat() if order.created_at else None,
                "financial_status": order.financial_status,
                "fulfillment_status": order.fulfillment_status,
                "total": str(order.total.amount) if order.total else None,
                "currency": order.total.currency_code if order.total else None,
                "tags": list(order.tags),
                "admin_url": ids.admin_url(shop=request.shop, section="orders", resource_id=order.id),
                "delivery": delivery_json(delivery, waiting_behind) if delivery else None,
                "dropi": dropi_order_json(dropi, delivery)
                if (dropi := recent.dropi_orders.get(order.numeric_id))
                else None,
            }
        )
    page_info = recent.page_info
    return JsonResponse(
        {
            "orders": orders_json,
            "page_info": {
                "hasNextPage": page_info.has_next_page,
                "hasPreviousPage": page_info.has_previous_page,
                "startCursor": page_info.start_cursor,
                "endCursor": page_info.end_cursor,
            },
        }
    )


@embedded_view
@require_GET
def api_deliveries(request: EmbeddedHttpRequest) -> JsonResponse:
    """The shop's latest deliveries, newest first (``?kind=test``: Pedidos' test events;
    ``?status=``; ``?limit=``, at most 50)."""
    query = FlowDelivery.objects.filter(shop=request.shop)
    kind = request.GET.get("kind")
    if kind in FlowDelivery.Kind.values:
        query = query.filter(kind=kind)
    status = request.GET.get("status")
    if status in FlowDelivery.Status.values:
        query = query.filter(state=status)
    limit = parse_ascii_int(request.GET.get("limit"), maximum=MAX_DELIVERIES) or DEFAULT_DELIVERIES
    recent = list(query.order_by("-id")[: min(limit, MAX_DELIVERIES)])
    waiting_behind = guardrails.deliveries_waiting_behind(recent)
    return JsonResponse({"deliveries": [delivery_json(delivery, waiting_behind) for delivery in recent]})


@embedded_view
@require_POST
def api_delivery_resend(request: EmbeddedHttpRequest, delivery_id: int) -> JsonResponse:
    delivery = FlowDelivery.objects.filter(Q(pk=delivery_id) & Q(shop=request.shop)).first()
    if delivery is None:
        return JsonResponse({"error": _("Delivery not found.")}, status=404)
    try:
        delivery = deliveries.flow_delivery_resend(delivery=delivery)
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse({"message": _("Queued to be sent again."), "delivery": delivery_json(delivery)})


@embedded_view
@require_POST
def api_test_event(request: EmbeddedHttpRequest) -> JsonResponse:
    try:
        body = read_json(request)
        event = str(body.get("event") or "order")
        if event not in ("order", "cart"):
            raise ApplicationError(_("Unknown test event: use order or cart."), field="event", code="invalid")
        delivery = deliveries.flow_delivery_send_test(
            shop=request.shop, phone=str(body.get("phone") or ""), event=event
        )
    except ApplicationError as error:
        return api_error(error)
    delivery.refresh_from_db()
    return JsonResponse({"message": _("Test event queued."), "delivery": delivery_json(delivery)})
