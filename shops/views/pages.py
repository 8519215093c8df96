"""The embedded pages of the shops app (Pedidos, Configuración; Tema lives in the themes app)
and how they present a shop's configuration and deliveries. Views parse, call a service and
render; no vendor call while rendering a page (the pages load vendor data through their JSON
endpoints, shops.views.api), except reading the shop's time zone once, when it is not known
yet (shops.services.time_zone)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from assistant.selectors import ai_profile_panel_context
from connector.embedded import EmbeddedHttpRequest, embedded_context, embedded_view
from shops import services
from shops.countries import COUNTRIES
from shops.models import DeliveryRules, FlowDelivery, ShopConfiguration
from shops.protected_data import buyer_data_withheld, withheld_orders_recent
from shops.selectors import dropi_departments_by_country
from shops.services import deliveries, guardrails
from shops.services.tracking_status import tracking_sync_status
from shops.shared_accounts import shops_sharing_ecomdrop_account

RECENT_DELIVERIES = 10


def request_configuration(request: EmbeddedHttpRequest) -> ShopConfiguration:
    """The configuration of the request's shop (created on first use)."""
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

SHARED_ACCOUNT_NOTICE = gettext_noop(
    "This Ecomdrop account is also connected to %(shops)s: the stores share its Dropi token and AI assistant "
    "profile (see Configuration › Status)."
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
    "dropi_lines": gettext_noop(
        "Lines with their Dropi ids, as JSON: [{product_id, variation_id, quantity, price, sku, title}]"
    ),
    "address1": gettext_noop("Address line 1, as Dropi takes it (upper case, no accents)"),
    "address2": gettext_noop("Address line 2, as Dropi takes it"),
    "dropi_city": gettext_noop("City, as Dropi takes it"),
    "province": gettext_noop("Dropi department of the address"),
    "province_code": gettext_noop("Shopify province code of the address"),
    "zip": gettext_noop("Postal code"),
    "country_code": gettext_noop("Country code (CO, MX…)"),
    "note": gettext_noop("The buyer's order note"),
    "gateway": gettext_noop("Payment gateway"),
    "cod": gettext_noop("Cash on delivery: true or false (Dropi's CON RECAUDO or SIN RECAUDO)"),
    "guia": gettext_noop("Guía (tracking number) of the shipment"),
    "carrier": gettext_noop("Carrier of the shipment"),
    "tracking_url": gettext_noop("Link to follow the shipment"),
    "shipping_stage": gettext_noop("Shipping stage (Guía generada, En reparto, Novedad, Entregado, Devuelto…)"),
}


def contact_fields_context(configuration: ShopConfiguration) -> list[dict[str, str]]:
    """The contact custom fields the page lists (names only: whether they exist is fetched later)."""
    names = services.ecomdrop_contact_field_names_in_use(configuration=configuration)
    return [
        {"key": key, "name": name, "purpose": _(CONTACT_FIELD_PURPOSES[key]) if key in CONTACT_FIELD_PURPOSES else ""}
        for key, name in names.items()
    ]


WITHHELD_NOTE = gettext_noop(
    "Shopify sent the order without the buyer's phone and name: the app is not approved for protected customer "
    "data yet (see Configuration › Status)."
)


# The callback's bodies the Configuración › Ecomdrop card shows as examples (docs/features.md ›
# Bot actions): what each does, and the body with the order id field Ecomdrop fills in.
CALLBACK_EXAMPLES = (
    ("tags", gettext_noop("Tag the order (the flow ended)"), {"status": "success", "tags": ["confirmado"]}),
    (
        "confirm",
        gettext_noop("The buyer confirmed: in the mode “when the bot confirms”, the app places the order in Dropi"),
        {"action": "confirm", "action_id": "{{conversation_id}}-confirm"},
    ),
    (
        "cancel",
        gettext_noop(
            "The buyer cancelled: the order is not placed in Dropi (one already in Dropi must be cancelled there)"
        ),
        {"action": "cancel", "tags": ["cancelado"]},
    ),
    (
        "update_address",
        gettext_noop("The buyer corrected the address (before the Dropi order exists)"),
        {
            "action": "update_address",
            "address": {
                "address1": "Carrera 43A # 1-50",
                "address2": "Apto 301",
                "city": "Medellín",
                "province_code": "ANT",
                "zip": "050021",
                "country_code": "CO",
                "phone": "+57 310 555 1234",
            },
        },
    ),
)


def callback_examples(order_id_field: str) -> list[dict[str, str]]:
    """The callback bodies the page shows, each naming the order by the contact field Ecomdrop fills."""
    order_reference = "{{" + order_id_field + "}}"
    return [
        {
            "key": key,
            "title": _(title),
            "body": json.dumps({"orderId": order_reference, **body}, ensure_ascii=False, indent=2),
        }
        for key, title, body in CALLBACK_EXAMPLES
    ]


def delivery_problem(delivery: FlowDelivery, waiting_behind: Mapping[int, FlowDelivery] | None = None) -> str:
    """What went wrong with a delivery, in plain words for the merchant. ``waiting_behind``:
    ``guardrails.deliveries_waiting_behind`` of the page it is on (else looked up for it)."""
    if delivery.state == FlowDelivery.Status.SKIPPED and buyer_data_withheld(delivery):
        return f"{delivery.get_skip_reason_display()}. {_(WITHHELD_NOTE)}"
    if delivery.state == FlowDelivery.Status.SKIPPED:
        reason = str(delivery.get_skip_reason_display()) if delivery.skip_reason else ""
        detail = f"{reason} ({_skip_detail(delivery)})" if reason and delivery.reason_detail else reason
        if delivery.skip_reason == FlowDelivery.SkipReason.DUPLICATE:
            resend_note = _("Press Resend to send it anyway.")
            detail = f"{detail}. {resend_note}"
        return detail
    if delivery.state == FlowDelivery.Status.PENDING and delivery.hold_reason:
        return _("Quiet hours: the flow waits until %(time)s.") % {"time": delivery.reason_detail or "—"}
    if waiting_behind is None:
        earlier = guardrails.delivery_waiting_behind(delivery)
    else:
        earlier = waiting_behind.get(delivery.pk)
    if earlier is not None:
        return _("Waits until this buyer's earlier message (%(order)s) has gone out: one conversation at a time.") % {
            "order": earlier.order_name or earlier.get_kind_display()
        }
    if not delivery.last_error:
        return ""
    error_type = delivery.last_error.split(":", 1)[0]
    if error_type in PROBLEMS:
        text = _(PROBLEMS[error_type])
        if delivery.state == FlowDelivery.Status.PENDING:
            retry_note = _("It will be retried automatically.")
            text = f"{text} {retry_note}"
        elif delivery.state == FlowDelivery.Status.UNCONFIRMED and error_type != "EcomdropTimeout":
            unconfirmed_note = _("The message may have gone out, so it is not resent automatically.")
            text = f"{text} {unconfirmed_note}"
        return text
    return delivery.last_error


def _skip_detail(delivery: FlowDelivery) -> str:
    """The recorded detail of a skip; a payment method's category in the merchant's words."""
    if delivery.skip_reason != FlowDelivery.SkipReason.PAYMENT:
        return delivery.reason_detail
    category, _sep, gateway = delivery.reason_detail.partition(":")
    methods = dict(DeliveryRules.PaymentMethod.choices)
    label = str(methods[category]) if category in methods else category
    return f"{label}: {gateway.strip()}" if gateway.strip() else label


def delivery_json(delivery: FlowDelivery, waiting_behind: Mapping[int, FlowDelivery] | None = None) -> dict[str, Any]:
    """A delivery for the pages; in a list, pass ``waiting_behind`` (one query for the page)."""
    return {
        "id": delivery.pk,
        "kind": delivery.kind,
        "kind_label": delivery.get_kind_display(),
        "order_name": delivery.order_name,
        "shopify_id": delivery.shopify_object_id,
        "status": delivery.state,
        "status_label": delivery.get_state_display(),
        "skip_reason": delivery.get_skip_reason_display() if delivery.skip_reason else "",
        "skip_code": delivery.skip_reason,
        "hold_reason": delivery.hold_reason,
        "next_attempt_at": delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else None,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "problem": delivery_problem(delivery, waiting_behind),
        "created_at": delivery.created_at.isoformat(),
        "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
        "callback_tags": delivery.callback_tags,
        "resendable": delivery.state in deliveries.RESENDABLE,
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
            # Other stores on the same Ecomdrop account: they share its Dropi token and AI profile.
            "shared_with": shops_sharing_ecomdrop_account(configuration=configuration),
        },
        "dropi": {
            "configured": bool(configuration.dropi_store_name and configuration.dropi_token),
            "store_name": configuration.dropi_store_name or "",
            "country": configuration.dropi_country or "",
            "token_status": str(configuration.dropi_token) if configuration.dropi_token else "",
            "order_mode": configuration.dropi_order_mode,
            "cancel_shopify_order": configuration.cancel_shopify_order_on_bot_cancel,
        },
        "shipping": services.shipping_settings_state(configuration),
        "callback_url": f"{settings.SHOPIFY_APP_URL}/api/ecomdrop/callback",
        "updated_at": configuration.updated_at.isoformat() if configuration.updated_at else None,
    }


# --------------------------------------------------------------------------- pages
@embedded_view
@require_GET
def orders(request: EmbeddedHttpRequest) -> HttpResponse:
    """Pedidos: recent orders and what Ecomdrop did with them."""
    configuration = request_configuration(request)
    return render(
        request,
        "shops/orders.html",
        {
            **embedded_context(request, time_zone=services.shop_time_zone_get(shop=request.shop)),
            "active": "orders",
            "state": configuration_state(configuration),
            "countries": COUNTRIES,
            "departments": dropi_departments_by_country(),
        },
    )


@embedded_view
@require_GET
def configuration(request: EmbeddedHttpRequest) -> HttpResponse:
    """Configuración: Ecomdrop, Dropi, Asistente IA and Estado."""
    configuration = request_configuration(request)
    state = configuration_state(configuration)
    nothing_configured = not state["ecomdrop"]["connected"] and not state["dropi"]["configured"]
    tabs = ("ecomdrop", "dropi", "assistant", "status")
    tab = request.GET.get("tab")
    if tab not in tabs:
        tab = "status" if nothing_configured else "ecomdrop"
    recent = FlowDelivery.objects.filter(shop=request.shop).order_by("-id")[:RECENT_DELIVERIES]
    last_error = (
        FlowDelivery.objects.filter(
            shop=request.shop, state__in=(FlowDelivery.Status.FAILED, FlowDelivery.Status.UNCONFIRMED)
        )
        .exclude(last_error="")
        .order_by("-id")
        .first()
    )
    order_id_field = services.ecomdrop_contact_field_names(configuration=configuration)["order_id"]
    return render(
        request,
        "shops/configuration.html",
        {
            **embedded_context(request, time_zone=services.shop_time_zone_get(shop=request.shop)),
            "active": "configuration",
            "tab": tab,
            "state": state,
            "countries": COUNTRIES,
            "deliveries": recent,
            "last_error": last_error,
            "last_problem": delivery_problem(last_error) if last_error else "",
            "withheld_orders": withheld_orders_recent(shop=request.shop),
            "assistant": ai_profile_panel_context(shop=request.shop, shop_configuration=configuration),
            "contact_fields": contact_fields_context(configuration),
            "order_id_field": order_id_field,
            "callback_examples": callback_examples(order_id_field),
            "tracking": tracking_sync_status(shop=request.shop),
        },
    )
