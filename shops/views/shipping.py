"""The JSON endpoint of the shipping-update settings (Configuración › Ecomdrop's shipping flows,
Configuración › Dropi's Shopify write-back options). Parses, calls the service, answers JSON."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connector.embedded import EmbeddedHttpRequest, api_error, embedded_view, read_json
from connector.errors import ApplicationError
from shops import services
from shops.views.pages import configuration_state


@embedded_view
@require_POST
def api_shipping_settings(request: EmbeddedHttpRequest) -> JsonResponse:
    """Save any of ``flows`` ({stage: flow id or ""}), ``notify_customer``, ``cancel_shopify_order``."""
    try:
        configuration = services.shipping_settings_save(shop=request.shop, body=read_json(request))
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse({"message": _("Shipping updates saved."), "state": configuration_state(configuration)})
