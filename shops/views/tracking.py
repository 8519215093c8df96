"""The shipping side of Pedidos and the Dropi status sync on Estado, as JSON: each order's
shipping stage, guía (with its tracking link when known), carrier and last update; how many
orders are at each stage (the stage filters, "novedad" first); the sync's last run, result and
next run; "Sincronizar ahora". Views parse, call a service and answer JSON (the contract:
docs/features.md › Dropi status sync)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from connector.embedded import EmbeddedHttpRequest, api_error, embedded_view
from connector.errors import ApplicationError
from shops.models import DropiOrder, ShippingStage
from shops.services.tracking_status import tracking_sync_request, tracking_sync_status

# The order of the stage filters: those that need the merchant today first.
STAGE_ORDER = (
    ShippingStage.INCIDENT,
    ShippingStage.OUT_FOR_DELIVERY,
    ShippingStage.IN_TRANSIT,
    ShippingStage.GUIDE_GENERATED,
    ShippingStage.PENDING,
    ShippingStage.DELIVERED,
    ShippingStage.RETURNED,
    ShippingStage.CANCELLED,
    ShippingStage.OTHER,
)
STAGE_FILTER_PREFIX = "stage_"


def shipping_json(order: DropiOrder) -> dict[str, Any] | None:
    """What Pedidos shows of an order's way to the buyer; None before Dropi said anything.
    A status the map does not know shows as "other" with Dropi's own word."""
    if not order.shipping_stage:
        return None
    stage = ShippingStage(order.shipping_stage)
    return {
        "stage": stage.value,
        "stage_label": str(stage.label),
        "dropi_status": order.dropi_status,
        "guia": order.guia,
        "carrier": order.carrier,
        "tracking_url": order.tracking_url or None,
        "label_url": order.label_url or None,
        "updated_at": order.dropi_status_changed_at.isoformat() if order.dropi_status_changed_at else None,
    }


def stage_counts(*, shop: str) -> list[dict[str, Any]]:
    counts = dict(
        DropiOrder.objects.filter(shop=shop)
        .exclude(shipping_stage="")
        .values_list("shipping_stage")
        .annotate(count=Count("id"))
        .values_list("shipping_stage", "count")
    )
    return [
        {
            "stage": stage.value,
            "label": str(stage.label),
            "filter": f"{STAGE_FILTER_PREFIX}{stage.value}",
            "count": counts.get(stage.value, 0),
        }
        for stage in STAGE_ORDER
    ]


@embedded_view
@require_GET
def api_tracking(request: EmbeddedHttpRequest) -> JsonResponse:
    """``GET /app/api/tracking``: orders per shipping stage (the filters) and the sync's status."""
    return JsonResponse({"stages": stage_counts(shop=request.shop), "sync": tracking_sync_status(shop=request.shop)})


@embedded_view
@require_POST
def api_tracking_sync(request: EmbeddedHttpRequest) -> JsonResponse:
    """``POST /app/api/tracking/sync``: "Sincronizar ahora"."""
    try:
        queued = tracking_sync_request(shop=request.shop)
    except ApplicationError as error:
        return api_error(error)
    message = _("Syncing with Dropi.") if queued else _("A sync with Dropi is already on its way.")
    return JsonResponse({"message": message, "queued": queued, "sync": tracking_sync_status(shop=request.shop)})
