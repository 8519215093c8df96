"""Ecomdrop's callback: a flow reports its result and the Shopify order gets tags.

Owns: identifying the shop by its callback secret (keyed-hash look-up, constant-time check),
reading the old body contract (orderName/order_name, orderId/order_id, tag, tags, status),
resolving the order, adding tags with ``tagsAdd`` (existing tags kept, repeat-safe) and
recording the result on the order's delivery. The body's ``shop`` is never trusted.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from connector.services import shopify_admin_client
from connector.shopify.errors import ShopifyError
from shops.models import FlowDelivery, ShopConfiguration
from shops.services.configuration import callback_secret_hash_candidates

logger = logging.getLogger(__name__)

STATUS_TAGS = {
    "success": "ecomdrop-processed",
    "completed": "ecomdrop-completed",
    "pending": "ecomdrop-pending",
    "error": "ecomdrop-error",
    "failed": "ecomdrop-error",
}
DEFAULT_TAG = "ecomdrop-processed"
MAX_TAGS = 20
MAX_TAG_LENGTH = 40
ORDER_GID_PREFIX = "gid://shopify/Order/"


@dataclass(frozen=True)
class CallbackResult:
    order_id: str
    order_name: str
    tags: list[str]


def callback_configuration_for_secret(*, secret: str) -> ShopConfiguration | None:
    """The shop whose callback secret is ``secret`` (None for a missing or unknown one)."""
    if not secret or len(secret) > 256:
        return None
    candidate = ShopConfiguration.objects.filter(
        callback_secret_hash__in=callback_secret_hash_candidates(secret)
    ).first()
    if candidate is None or not candidate.callback_secret:
        return None
    if not hmac.compare_digest(candidate.callback_secret.reveal().encode(), secret.encode()):
        return None
    return candidate


def callback_rate_limited(*, shop: str) -> bool:
    """Count this call in the shop's one-minute window; True once the window is full."""
    limit = settings.ECOMDROP_CALLBACK_RATE_PER_MINUTE
    window = int(timezone.now().timestamp() // 60)
    key = f"ecomdrop-callback:{shop}:{window}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 120)
        count = 1
    return count > limit


def callback_tags(body: dict[str, Any]) -> list[str]:
    """Tags asked for: ``tag`` and ``tags`` (list or comma string) together, plus the status tag."""
    raw: list[str] = []
    if body.get("tag") is not None:
        raw.append(str(body["tag"]))
    tags = body.get("tags")
    if isinstance(tags, str):
        raw.extend(tags.split(","))
    elif isinstance(tags, list):
        raw.extend(str(tag) for tag in tags if tag is not None)
    status = str(body.get("status") or "").strip().lower()
    if status in STATUS_TAGS:
        raw.append(STATUS_TAGS[status])
    result: list[str] = []
    for tag in raw:
        tag = tag.strip()[:MAX_TAG_LENGTH]
        if tag and tag not in result:
            result.append(tag)
    return result[:MAX_TAGS] or [DEFAULT_TAG]


def _order_reference(body: dict[str, Any]) -> tuple[str | None, str | None]:
    order_id = body.get("orderId", body.get("order_id"))
    order_name = body.get("orderName", body.get("order_name"))
    order_id = str(order_id).strip() if order_id not in (None, "") else None
    order_name = str(order_name).strip() if order_name not in (None, "") else None
    if order_id and not (order_id.startswith(ORDER_GID_PREFIX) and order_id[len(ORDER_GID_PREFIX) :].isdigit()):
        order_id = f"{ORDER_GID_PREFIX}{order_id}" if order_id.isdigit() else None
    return order_id, (order_name[:64] if order_name else None)


def _find_order_by_name(shop: str, name: str) -> tuple[str, str] | None:
    wanted = name if name.startswith("#") else f"#{name}"
    result = shopify_admin_client(shop=shop).execute("order_by_name", {"query": f"name:{wanted}"})
    for node in ((result.data.get("orders") or {}).get("nodes")) or []:
        if str(node.get("name", "")).lstrip("#") == wanted.lstrip("#"):
            return str(node["id"]), str(node["name"])
    return None


def ecomdrop_callback_apply(*, configuration: ShopConfiguration, body: dict[str, Any]) -> CallbackResult:
    """Tag the order the callback names and record the result on its delivery.

    Raises ApplicationError 400 (no order reference), 404 (order not found) or 502 (Shopify
    failed; Ecomdrop may call again: tags are added idempotently).
    """
    shop = configuration.shop
    order_id, order_name = _order_reference(body)
    if not order_id and not order_name:
        raise ApplicationError(
            _("Send orderName (like '#1014') or orderId (number or gid://shopify/Order/…)."),
            code="no_order",
            status=400,
        )
    tags = callback_tags(body)
    try:
        if order_id is None:
            found = _find_order_by_name(shop, order_name)
            if found is None:
                raise ApplicationError(
                    _("Order %(name)s was not found in this shop.") % {"name": order_name}, code="not_found", status=404
                )
            order_id, order_name = found
        shopify_admin_client(shop=shop).execute("tags_add", {"id": order_id, "tags": tags}, user_errors_at="tagsAdd")
    except ShopifyError as error:
        user_errors = getattr(error, "user_errors", None)
        if user_errors and any("exist" in user_error.message.lower() for user_error in user_errors):
            raise ApplicationError(_("The order was not found in this shop."), code="not_found", status=404) from error
        logger.warning("Callback could not tag the order: %s", type(error).__name__, extra={"shop": shop})
        raise ApplicationError(
            _("Shopify did not accept the tags right now; call again later."), code="shopify", status=502
        ) from error

    numeric_id = order_id.rsplit("/", 1)[-1]
    now = timezone.now()
    deliveries = FlowDelivery.objects.filter(
        shop=shop, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id=numeric_id
    )
    deliveries.update(
        callback_status=str(body.get("status") or "")[:64],
        callback_tags=tags,
        callback_received_at=now,
        updated_at=now,
    )
    # A send we could not confirm is confirmed by the flow calling back.
    deliveries.filter(status=FlowDelivery.Status.UNCONFIRMED).update(status=FlowDelivery.Status.SENT, sent_at=now)
    logger.info("Callback tagged an order", extra={"shop": shop})
    return CallbackResult(order_id=order_id, order_name=order_name or "", tags=tags)
