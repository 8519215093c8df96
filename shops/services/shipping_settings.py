"""The shop's shipping-update settings: the WhatsApp flow of each shipping stage (Configuración ›
Ecomdrop) and what the write-back asks of Shopify (Configuración › Dropi: whether Shopify emails
the buyer the tracking, whether Dropi's cancel before shipping cancels the Shopify order).

Owns: validating and saving them, and when each stage's flow was enabled (kept while the stage
has a flow, so changing the flow does not make older transitions eligible; a stage switched off
and on again starts from then). Must not send anything (``shipping_transitions`` records the
flows of each transition).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from connector.selectors import shopify_session_granted_scopes
from shops.models import ShippingStage, ShopConfiguration
from shops.services.configuration import ecomdrop_flows_list, shop_configuration_get_or_create

MISSING_SCOPES = "missing_fulfillment_scopes"
FULFILLMENT_WRITE_SCOPE = "write_merchant_managed_fulfillment_orders"
# The stages a WhatsApp flow may follow, in the order the page lists them.
FLOW_STAGES = (
    ShippingStage.GUIDE_GENERATED,
    ShippingStage.OUT_FOR_DELIVERY,
    ShippingStage.INCIDENT,
    ShippingStage.DELIVERED,
    ShippingStage.RETURNED,
)


def _flows_checked(configuration: ShopConfiguration, flows: Any) -> dict[str, str]:
    """``{stage: flow id}`` as asked (empty id: no flow), each stage known, each flow the account's."""
    if not isinstance(flows, dict) or not all(isinstance(value, str | None) for value in flows.values()):
        raise ApplicationError(_("Choose a flow (or none) for each shipping stage."), field="flows")
    wanted = {str(stage): (value or "").strip() for stage, value in flows.items()}
    unknown = sorted(set(wanted) - {stage.value for stage in FLOW_STAGES})
    if unknown:
        raise ApplicationError(
            _("Unknown shipping stage: %(stage)s.") % {"stage": ", ".join(unknown)}, field="flows", code="unknown_stage"
        )
    chosen = {stage: value for stage, value in wanted.items() if value}
    if not chosen:
        return wanted
    if not configuration.ecomdrop_api_key:
        raise ApplicationError(_("Connect Ecomdrop first."), code="no_api_key")
    known = {flow.id for flow in ecomdrop_flows_list(configuration=configuration)}
    if not set(chosen.values()) <= known:
        known = {flow.id for flow in ecomdrop_flows_list(configuration=configuration, refresh=True)}
    for stage, flow_id in chosen.items():
        if flow_id not in known:
            raise ApplicationError(
                _("This flow does not exist in your Ecomdrop account. Refresh the flows and choose again."),
                field=f"shipping_flow_{stage}",
                code="unknown_flow",
            )
    return wanted


def _flows_merged(current: Any, wanted: dict[str, str]) -> dict[str, dict[str, str]]:
    merged = {stage: dict(value) for stage, value in (current or {}).items() if isinstance(value, dict)}
    now = timezone.now().isoformat()
    for stage, flow_id in wanted.items():
        if not flow_id:
            merged.pop(stage, None)
            continue
        before = merged.get(stage) or {}
        merged[stage] = {"flow_id": flow_id, "enabled_at": before.get("enabled_at") or now}
    return merged


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ApplicationError(_("Must be true or false."), field=field)
    return value


def shipping_settings_save(*, shop: str, body: dict[str, Any]) -> ShopConfiguration:
    """Save what ``body`` carries of ``flows`` ({stage: flow id or ""}), ``notify_customer`` and
    ``cancel_shopify_order``; the rest stays as it was. Nothing is saved when one is invalid."""
    configuration = shop_configuration_get_or_create(shop=shop)[0]
    fields = ["updated_at"]
    if "notify_customer" in body:
        configuration.shopify_notify_customer = _flag(body["notify_customer"], "notify_customer")
        fields.append("shopify_notify_customer")
    if "cancel_shopify_order" in body:
        configuration.cancel_shopify_order_on_dropi_cancel = _flag(body["cancel_shopify_order"], "cancel_shopify_order")
        fields.append("cancel_shopify_order_on_dropi_cancel")
    if "flows" in body:
        wanted = _flows_checked(configuration, body["flows"])
        configuration.shipping_flows = _flows_merged(configuration.shipping_flows, wanted)
        fields.append("shipping_flows")
    configuration.save(update_fields=fields)
    return configuration


def shipping_settings_state(configuration: ShopConfiguration) -> dict[str, Any]:
    """What the pages show of them (and Estado's problem, when the write-back has one)."""
    flows = configuration.shipping_flows if isinstance(configuration.shipping_flows, dict) else {}
    return {
        "flows": {
            stage.value: {
                "flow_id": str((flows.get(stage.value) or {}).get("flow_id") or ""),
                "enabled_at": (flows.get(stage.value) or {}).get("enabled_at"),
                "label": str(stage.label),
            }
            for stage in FLOW_STAGES
        },
        "notify_customer": configuration.shopify_notify_customer,
        "cancel_shopify_order": configuration.cancel_shopify_order_on_dropi_cancel,
        "problem": _problem(configuration),
    }


def _problem(configuration: ShopConfiguration) -> str:
    """The write-back's problem, unless the shop's token is known to have the scope it lacked
    (the merchant accepted it since: the next write clears the problem for good)."""
    problem = configuration.shipping_writeback_problem
    if problem == MISSING_SCOPES and FULFILLMENT_WRITE_SCOPE in shopify_session_granted_scopes(shop=configuration.shop):
        return ""
    return problem
