"""What follows when a Dropi order moves on its way to the buyer: the shipping sync records the
new stage, guía and carrier on the ``DropiOrder`` and calls ``transition_recorded`` in the same
transaction; this module queues what that transition asks for (the Shopify fulfillment write,
the stage tag, the buyer's WhatsApp shipping flow), each exactly once per order and transition.

Owns: the key of a transition (``ShippingUpdate`` is unique per order and key, so the same
transition recorded twice is queued once), the tracking URL the transition carries (Dropi's,
else the carrier's template), and which stage sends which WhatsApp flow: a flow the shop chose
in Configuración › Ecomdrop, only for transitions that happened after it was enabled (the
first sync of old orders sends nothing), once per order and stage (the ``FlowDelivery`` key).
Must not call any vendor: the jobs do (``shipping_writeback``, ``delivery_job``).
"""

from __future__ import annotations

import datetime
import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from shops.models import DropiOrder, ShippingStage, ShippingUpdate, ShopConfiguration
from shops.services.carriers import carrier_display_name, tracking_url_for
from shops.services.deliveries import BuyerSnapshot, flow_delivery_record_shipping
from shops.services.delivery_flows import SHIPPING_FLOW_STAGES
from shops.services.shipping_writeback import shipping_update_schedule

# The stages a merchant may attach a WhatsApp flow to, and the delivery kind of each.
FLOW_KINDS = {stage: kind for kind, stage in SHIPPING_FLOW_STAGES.items()}


def transition_key(order: DropiOrder, *, previous_stage: str, happened_at: datetime.datetime) -> str:
    """Names one transition: the stages, Dropi's time and a digest of the guía and carrier."""
    digest = hashlib.sha256(f"{order.guia}|{order.carrier}".encode()).hexdigest()[:16]
    return f"{previous_stage or '-'}>{order.shipping_stage or '-'}@{happened_at.isoformat()}#{digest}"


def transition_recorded(order: DropiOrder, *, previous_stage: str, previous_guia: str, previous_carrier: str) -> None:
    """Queue the work a transition asks for. ``order`` carries the new values; the previous
    ones tell a first guía from a changed one. Runs inside the sync's transaction, so the queued
    work exists exactly when the transition does."""
    stage_changed = order.shipping_stage != previous_stage
    tracking_changed = bool(order.guia) and (order.guia, order.carrier) != (previous_guia, previous_carrier)
    if not stage_changed and not tracking_changed:
        return
    happened_at = order.dropi_status_changed_at or timezone.now()
    url = _tracking_url(order, previous_guia=previous_guia, previous_carrier=previous_carrier)
    try:
        with transaction.atomic():
            update = ShippingUpdate.objects.create(
                shop=order.shop,
                order=order,
                key=transition_key(order, previous_stage=previous_stage, happened_at=happened_at),
                previous_stage=previous_stage,
                stage=order.shipping_stage,
                guia=order.guia,
                carrier=order.carrier,
                tracking_url=url[:500],
                happened_at=happened_at,
            )
            shipping_update_schedule(update.pk)
    except IntegrityError:
        return  # the same transition, recorded before: its work is queued already
    if stage_changed:
        shipping_flow_record(order, happened_at=happened_at)


def _tracking_url(order: DropiOrder, *, previous_guia: str, previous_carrier: str) -> str:
    """Dropi's tracking URL when it gave one, else the carrier's template with the guía; a URL
    this module filled in for the previous guía is replaced, one from Dropi is kept."""
    filled_before = tracking_url_for(carrier=previous_carrier, guia=previous_guia) if previous_guia else ""
    from_dropi = order.tracking_url if order.tracking_url != filled_before else ""
    url = tracking_url_for(carrier=order.carrier, guia=order.guia, dropi_url=from_dropi)[:500]
    if url != order.tracking_url and not from_dropi:
        DropiOrder.objects.filter(pk=order.pk, tracking_url=order.tracking_url).update(tracking_url=url)
        order.tracking_url = url
    return url


def _enabled_at(configuration: ShopConfiguration, stage: str) -> datetime.datetime | None:
    chosen = (configuration.shipping_flows or {}).get(stage)
    if not isinstance(chosen, dict) or not chosen.get("flow_id"):
        return None
    return parse_datetime(str(chosen.get("enabled_at") or ""))


def shipping_stage_label(stage: str) -> str:
    """The stage as the buyer reads it (Spanish, the shops' language)."""
    with translation.override("es"):
        return str(ShippingStage(stage).label) if stage in ShippingStage.values else stage


def shipping_flow_record(order: DropiOrder, *, happened_at: datetime.datetime) -> None:
    """Queue the stage's WhatsApp flow for the buyer, when the shop has one enabled since
    before the transition; once per order and stage."""
    kind = FLOW_KINDS.get(ShippingStage(order.shipping_stage)) if order.shipping_stage in ShippingStage.values else None
    configuration = ShopConfiguration.objects.filter(shop=order.shop).first()
    if kind is None or configuration is None:
        return
    enabled_at = _enabled_at(configuration, order.shipping_stage)
    if enabled_at is None or happened_at < enabled_at:
        return
    address = order.address or {}
    buyer = BuyerSnapshot(
        phone=order.phone.reveal() if order.phone else None,
        phone_problem="" if order.phone else "no_phone",
        email=order.email.reveal() if order.email else None,
        first_name=address.get("first_name"),
        last_name=address.get("last_name"),
        customer_id=order.customer_id,
    )
    fields = {
        "order_name": order.order_name,
        "order_id": order.shopify_order_id,
        "guia": order.guia,
        "carrier": carrier_display_name(order.carrier) if order.carrier else "",
        "tracking_url": order.tracking_url,
        "shipping_stage": shipping_stage_label(order.shipping_stage),
    }
    flow_delivery_record_shipping(
        shop=order.shop,
        kind=kind,
        order_id=order.shopify_order_id,
        order_name=order.order_name,
        buyer=buyer,
        fields={key: value for key, value in fields.items() if value},
    )
