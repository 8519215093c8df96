"""Ecomdrop's callback: flows report a result and the order gets its tags. Not an embedded
page: the caller is Ecomdrop, identified by the shop's callback secret (``X-Connector-Token``).
An address that sent too many wrong secrets this minute gets 429 before any look-up."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from connector.client_address import client_address_key
from connector.embedded import read_json
from connector.errors import ApplicationError
from connector.limits import RateWindow
from connector.validators import parse_ascii_int
from shops.services import callback as callback_services

logger = logging.getLogger(__name__)

CALLBACK_BODY_LIMIT = 64 * 1024


def _callback_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"success": False, "error": message}, status=status)


def _too_many(message: str, window: RateWindow) -> JsonResponse:
    response = _callback_error(message, 429)
    response["Retry-After"] = str(window.retry_after)
    return response


def callback_action_json(result: callback_services.CallbackResult) -> dict[str, Any]:
    """The answer to a bot action (docs/features.md › Callback for Ecomdrop flows)."""
    outcome = result.action
    if outcome is None:
        return {}
    order = outcome.order
    return {
        "success": True,
        "action": outcome.action,
        "changed": outcome.changed,
        "message": outcome.message,
        "orderId": result.order_id,
        "orderName": result.order_name,
        "tags": result.tags,
        "dropi": {
            "state": order.state,
            "mode": order.mode,
            "dropiOrderId": order.dropi_order_id or None,
            "mustCancelInDropi": order.dropi_cancel_required,
        },
    }


@csrf_exempt
@never_cache
def ecomdrop_callback(request: HttpRequest) -> JsonResponse:
    """Ecomdrop flows report a result here; the shop is identified by ``X-Connector-Token``."""
    if request.method != "POST":
        response = _callback_error("Method not allowed", 405)
        response["Allow"] = "POST"
        return response
    length = parse_ascii_int(request.headers.get("Content-Length"), maximum=2**63)
    if length is not None and length > CALLBACK_BODY_LIMIT:
        return _callback_error("Request body too large", 413)
    address = client_address_key(request)
    bad_tokens = callback_services.callback_bad_tokens_window(address=address)
    if bad_tokens.used_up:
        return _too_many("Too many wrong X-Connector-Token values from this address; slow down", bad_tokens)
    configuration = callback_services.callback_configuration_for_secret(
        secret=request.headers.get("X-Connector-Token", "").strip()
    )
    if configuration is None:
        callback_services.callback_bad_token_count(address=address)
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
    if result.action is not None:
        return JsonResponse(callback_action_json(result))
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
