"""The JSON endpoint of Configuración › Ecomdrop › abandoned carts and order rules: read and
save the shop's delivery rules (the service validates; this view parses and answers)."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from connector.embedded import EmbeddedHttpRequest, api_error, embedded_view, read_json
from connector.errors import ApplicationError
from shops.services import delivery_rules


@embedded_view
@require_http_methods(["GET", "POST"])
def api_delivery_rules(request: EmbeddedHttpRequest) -> JsonResponse:
    """GET: the shop's rules (defaults until saved). POST: save the keys sent."""
    if request.method == "POST":
        try:
            delivery_rules.delivery_rules_save(shop=request.shop, data=read_json(request))
        except ApplicationError as error:
            return api_error(error)
        return JsonResponse(
            {"message": _("Rules saved."), "rules": delivery_rules.delivery_rules_state(shop=request.shop)}
        )
    return JsonResponse({"rules": delivery_rules.delivery_rules_state(shop=request.shop)})
