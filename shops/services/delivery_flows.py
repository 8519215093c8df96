"""Which flow a flow delivery runs, and why it may be skipped before anything is sent.

Owns: the flow of each delivery kind (order, abandoned cart, test events, the shipping stages'
flows chosen in Configuración › Ecomdrop) and the reasons checked before a delivery is sent
(app uninstalled, no key, no flow, no phone, cart already converted). Must not send anything
(``delivery_job`` does).
"""

from __future__ import annotations

from shops.models import FlowDelivery, ShippingStage, ShopConfiguration

Kind = FlowDelivery.Kind
Skip = FlowDelivery.SkipReason

# The shipping flows' delivery kinds and the stage each follows (Configuración › Ecomdrop).
SHIPPING_FLOW_STAGES = {
    Kind.SHIP_GUIDE: ShippingStage.GUIDE_GENERATED,
    Kind.SHIP_OUT: ShippingStage.OUT_FOR_DELIVERY,
    Kind.SHIP_INCIDENT: ShippingStage.INCIDENT,
    Kind.SHIP_DELIVERED: ShippingStage.DELIVERED,
    Kind.SHIP_RETURNED: ShippingStage.RETURNED,
}


def delivery_skip_reason(delivery: FlowDelivery, configuration: ShopConfiguration | None) -> tuple[str, str]:
    """(skip reason, flow id) — an empty reason means: send."""
    if configuration is None or not configuration.is_installed:
        return Skip.UNINSTALLED, ""
    if not configuration.ecomdrop_api_key:
        return Skip.NO_API_KEY, ""
    flow_id = delivery_flow_of(delivery, configuration)
    if not flow_id:
        return Skip.NO_FLOW, ""
    if not delivery.phone:
        return (delivery.contact or {}).get("phone_problem") or Skip.NO_PHONE, ""
    if (
        delivery.kind == Kind.CART_ABANDONED
        and FlowDelivery.objects.filter(
            shop=delivery.shop, kind=Kind.ORDER_CREATED, checkout_token=delivery.shopify_object_id
        ).exists()
    ):
        return Skip.CONVERTED, ""
    return "", flow_id


def delivery_flow_of(delivery: FlowDelivery, configuration: ShopConfiguration) -> str:
    """The flow the delivery's event runs now (a shipping stage's from ``shipping_flows``)."""
    if delivery.kind == Kind.CART_ABANDONED or (delivery.contact or {}).get("test_event") == "cart":
        return configuration.carrito_abandonado_flow_id or ""
    stage = SHIPPING_FLOW_STAGES.get(Kind(delivery.kind)) if delivery.kind in Kind.values else None
    if stage is not None:
        chosen = (configuration.shipping_flows or {}).get(stage.value) or {}
        return str(chosen.get("flow_id") or "") if isinstance(chosen, dict) else ""
    return configuration.nuevo_pedido_flow_id or ""
