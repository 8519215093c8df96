"""HTTP endpoints of the webhooks app: the Shopify webhook intake, and redirects from the admin
addresses the inbox had when it belonged to the connector app."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from connector.shopify.webhooks import MAX_BODY_BYTES, SHOP_HEADER, TOPIC_HEADER, InvalidWebhook, parse_webhook
from webhooks import services

logger = logging.getLogger(__name__)


def _plain(text: str, *, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def shopify_webhook(request: HttpRequest, subpath: str | None = None) -> HttpResponse:
    """Shopify webhook intake (``/webhooks`` and the old per-topic ``/webhooks/<topic>``):
    verify, store, queue, 200. The topic comes from ``X-Shopify-Topic``, not the path.

    413 above MAX_BODY_BYTES (before reading), 401 for a missing or wrong signature, 400 for
    missing/malformed headers or a body that is not a JSON object; a repeated delivery of a
    stored event answers 200 and stores nothing. No domain logic runs here: a worker does it.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return _plain("Payload too large", status=413)
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _plain("Payload too large", status=413)
    try:
        delivery = parse_webhook(headers=request.headers, body=body, secret=settings.SHOPIFY_API_SECRET)
    except InvalidWebhook as error:
        # Header values are unverified input: only their presence is logged.
        logger.warning(
            "Refused a webhook delivery (%s): %s",
            error.status,
            error.reason,
            extra={"has_topic": TOPIC_HEADER in request.headers, "has_shop": SHOP_HEADER in request.headers},
        )
        return _plain(error.reason, status=error.status)
    services.webhook_event_receive(delivery=delivery)
    return HttpResponse(status=200)


# The inbox's admin pages were /admin/connector/<model>/… while its models belonged to the
# connector app; a bookmark of such a page opens the same page at its new address.
@require_safe
def admin_page_moved(request: HttpRequest, model: str, rest: str) -> HttpResponsePermanentRedirect:
    url = f"{reverse('admin:index')}webhooks/{model}/{rest}"
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
