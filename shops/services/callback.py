"""Ecomdrop's callback: a flow reports its result and the Shopify order gets tags; a bot action
(``action``: confirm, cancel, update_address) is applied by ``bot_actions``.

Owns: identifying the shop by its callback secret (keyed-hash look-up, constant-time check),
limiting the wrong secrets each client address may send (so that guessing costs no
database look-up), reading the old body contract (orderName/order_name, orderId/order_id, tag, tags, status),
resolving the order, adding tags with ``tagsAdd`` (existing tags kept, repeat-safe) and
recording the result on the order's delivery. The body's ``shop`` is never trusted. A body
with an action adds tags only when it asks for them (``tag``, ``tags`` or ``status``).

Answers that tell Ecomdrop to stop (4xx) when calling again cannot help: an uninstalled shop
(410, Shopify is not called) or a shop whose token Shopify no longer accepts (403). The sample
order of "Enviar evento de prueba" (order id 0, or the test delivery's name) is acknowledged
without touching Shopify and recorded on the shop's latest test delivery.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.errors import ApplicationError
from connector.limits import RateWindow, rate_limit_hit, rate_limit_peek
from connector.sessions import shopify_admin_client
from connector.shopify import ids
from connector.shopify.errors import ShopifyError
from connector.shopify.failures import (
    MerchantAnswer,
    ShopifyFailure,
    shopify_error_as_application_error,
    shopify_failure,
)
from connector.shopify.orders import order_find_by_name
from connector.shopify.tags import tags_add
from shops.models import FlowDelivery, ShopConfiguration
from shops.services.bot_actions import ActionOutcome, callback_action_apply, callback_action_read
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
# The order id of the sample order sent by deliveries.flow_delivery_send_test: no Shopify
# order has it.
TEST_ORDER_GID = ids.gid("Order", 0)
_FORBIDDEN = MerchantAnswer(
    gettext_lazy("Shopify does not allow this app to change the order."), code="shopify_forbidden", status=403
)
# 4xx answers tell Ecomdrop that calling again cannot help; 502 that it may.
SHOPIFY_ANSWERS = {
    # Includes ShopifyReauthorizationRequired: only the merchant opening the app again helps.
    ShopifyFailure.AUTH: MerchantAnswer(
        gettext_lazy(
            "Shopify no longer accepts this app's access to the shop, so no order was changed. "
            "Open the app from the Shopify admin (or install it again)."
        ),
        code="shopify_access",
        status=403,
    ),
    ShopifyFailure.FORBIDDEN: _FORBIDDEN,
    ShopifyFailure.LOCKED: _FORBIDDEN,
    ShopifyFailure.MISSING: MerchantAnswer(
        gettext_lazy("The order was not found in this shop."), code="not_found", status=404
    ),
}
SHOPIFY_OTHERWISE = MerchantAnswer(
    gettext_lazy("Shopify did not accept the tags right now; call again later."), code="shopify", status=502
)


@dataclass(frozen=True)
class CallbackResult:
    order_id: str
    order_name: str
    tags: list[str]
    test: bool = False
    action: ActionOutcome | None = None


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
    """Count this call in the shop's one-minute window (every process counts in the same one);
    True once the window is full."""
    limit = settings.ECOMDROP_CALLBACK_RATE_PER_MINUTE
    return rate_limit_hit(scope="ecomdrop-callback", key=shop, limit=limit, window_seconds=60).exceeded


def callback_bad_tokens_window(*, address: str) -> RateWindow:
    """How many wrong secrets ``address`` sent this minute (``used_up``: refuse it without
    looking anything up until the minute ends)."""
    limit = settings.ECOMDROP_CALLBACK_BAD_TOKENS_PER_MINUTE
    return rate_limit_peek(scope="ecomdrop-callback-bad-token", key=address, limit=limit, window_seconds=60)


def callback_bad_token_count(*, address: str) -> None:
    """Count a missing or wrong secret sent from ``address``."""
    limit = settings.ECOMDROP_CALLBACK_BAD_TOKENS_PER_MINUTE
    rate_limit_hit(scope="ecomdrop-callback-bad-token", key=address, limit=limit, window_seconds=60)


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
    """The order GID (from a GID or a number) and the order name the body gives."""
    order_id = body.get("orderId", body.get("order_id"))
    order_name = body.get("orderName", body.get("order_name"))
    order_name = str(order_name).strip() if order_name not in (None, "") else None
    order_gid = ids.order_gid(order_id) if order_id not in (None, "") else None
    return order_gid, (order_name[:64] if order_name else None)


def _order_tag(*, shop: str, order_id: str | None, order_name: str, tags: list[str]) -> tuple[str, str]:
    """Add ``tags`` to the order (found by name when there is no id); returns its id and name.

    Raises ApplicationError: 404 (no such order), 403 (Shopify refuses the token or the
    change), 502 (Shopify failed; tagging again is harmless).
    """
    client = shopify_admin_client(shop=shop)
    try:
        if order_id is None:
            found = order_find_by_name(client, name=order_name)
            if found is None:
                raise ApplicationError(
                    _("Order %(name)s was not found in this shop.") % {"name": order_name}, code="not_found", status=404
                )
            order_id, order_name = found.id, found.name
        tags_add(client, resource_id=order_id, tags=tags)
    except ShopifyError as error:
        logger.warning("Callback could not tag the order: %s", shopify_failure(error), extra={"shop": shop})
        raise shopify_error_as_application_error(error, answers=SHOPIFY_ANSWERS, otherwise=SHOPIFY_OTHERWISE) from error
    return order_id, order_name


def _test_delivery(shop: str, order_id: str | None, order_name: str | None) -> tuple[bool, FlowDelivery | None]:
    """Whether the callback is about the sample order of a test event, and the shop's latest
    test delivery it answers (None when there is none)."""
    test_deliveries = FlowDelivery.objects.filter(shop=shop, kind=FlowDelivery.Kind.TEST).order_by("-id")
    if order_id is not None:
        if ids.numeric_id(order_id).lstrip("0") != "":
            return False, None
        return True, test_deliveries.first()
    wanted = (order_name or "").lstrip("#")
    latest = test_deliveries.exclude(order_name="").first()
    if latest is None or latest.order_name.lstrip("#") != wanted:
        return False, None
    return True, latest


def _record_on_deliveries(deliveries: QuerySet[FlowDelivery], *, body: dict[str, Any], tags: list[str]) -> None:
    now = timezone.now()
    deliveries.update(
        callback_status=str(body.get("status") or "")[:64],
        callback_tags=tags,
        callback_received_at=now,
        updated_at=now,
    )
    # A send we could not confirm is confirmed by the flow calling back.
    deliveries.filter(state=FlowDelivery.Status.UNCONFIRMED).update(state=FlowDelivery.Status.SENT, sent_at=now)


def ecomdrop_callback_apply(*, configuration: ShopConfiguration, body: dict[str, Any]) -> CallbackResult:
    """Tag the order the callback names and record the result on its delivery; with an
    ``action``, apply it first (``bot_actions``; ``CallbackResult.action``).

    A test event's sample order changes nothing in Shopify (``CallbackResult.test``). Raises
    ApplicationError 410 (the app is uninstalled from the shop), 400 (no order reference, an
    unknown action, bad action fields), 404 (order not found), 409 (an action the order's
    state refuses), 403 (Shopify no longer accepts the shop's token, or refuses the change) or
    502 (Shopify failed; Ecomdrop may call again: tags and actions are applied idempotently).
    """
    shop = configuration.shop
    if not configuration.is_installed:
        raise ApplicationError(
            _("The app was uninstalled from this shop, so no order was changed. Remove this step from the flow."),
            code="uninstalled",
            status=410,
        )
    order_id, order_name = _order_reference(body)
    if not order_id and not order_name:
        raise ApplicationError(
            _("Send orderName (like '#1014') or orderId (number or gid://shopify/Order/…)."),
            code="no_order",
            status=400,
        )
    action = callback_action_read(body)
    tags = callback_tags(body)
    is_test, test_delivery = _test_delivery(shop, order_id, order_name)
    if is_test:
        if test_delivery is not None:
            _record_on_deliveries(FlowDelivery.objects.filter(pk=test_delivery.pk), body=body, tags=tags)
        logger.info("Callback of a test event", extra={"shop": shop})
        name = test_delivery.order_name if test_delivery is not None else ""
        return CallbackResult(order_id=order_id or TEST_ORDER_GID, order_name=name, tags=tags, test=True)
    if action is not None:
        return _apply_action(configuration, body, action, order_id, order_name)
    order_id, order_name = _order_tag(shop=shop, order_id=order_id, order_name=order_name or "", tags=tags)
    deliveries = FlowDelivery.objects.filter(
        shop=shop, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id=ids.numeric_id(order_id)
    )
    _record_on_deliveries(deliveries, body=body, tags=tags)
    logger.info("Callback tagged an order", extra={"shop": shop})
    return CallbackResult(order_id=order_id, order_name=order_name or "", tags=tags)


def _apply_action(
    configuration: ShopConfiguration,
    body: dict[str, Any],
    action: tuple[str, str | None],
    order_id: str | None,
    order_name: str | None,
) -> CallbackResult:
    """Apply the bot's action, then the tags the body asks for (none by default)."""
    outcome = callback_action_apply(
        configuration=configuration,
        action=action[0],
        action_id=action[1],
        body=body,
        order_id=order_id,
        order_name=order_name,
    )
    order = outcome.order
    gid = ids.gid("Order", order.shopify_order_id)
    tags: list[str] = []
    if any(body.get(key) not in (None, "", []) for key in ("tag", "tags", "status")):
        tags = callback_tags(body)
        _order_tag(shop=configuration.shop, order_id=gid, order_name=order.order_name, tags=tags)
        deliveries = FlowDelivery.objects.filter(
            shop=configuration.shop, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id=order.shopify_order_id
        )
        _record_on_deliveries(deliveries, body=body, tags=tags)
    return CallbackResult(order_id=gid, order_name=order.order_name, tags=tags, action=outcome)
