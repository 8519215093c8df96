"""The bot's actions on Ecomdrop's callback: ``confirm``, ``cancel``, ``update_address``.

Owns: reading an action (``action``, an optional ``action_id``), finding the shop's Dropi order
(another shop's order is not found), and applying the action once. A repeat changes nothing
and says so: an ``action_id`` already recorded for the order, a second confirm or cancel, or
the address it already has. ``confirm`` places the order when it arrived in the
``app_on_confirm`` mode; ``cancel`` ends an order that is not in Dropi, or records that the
Dropi order must be cancelled in Dropi (the app never cancels there), and cancels the Shopify
order when the shop asks for it (``orderCancel``: restock, no refund, a staff note);
``update_address`` changes the address while no Dropi order exists. Every action is a line of
the order's history. Must not add tags (``callback`` does) nor place orders.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify import ids
from connector.shopify.errors import ShopifyError
from connector.shopify.failures import MerchantAnswer, ShopifyFailure, shopify_failure
from connector.shopify.orders import order_cancel
from shops.models import DropiOrder, DropiOrderMode, ShopConfiguration
from shops.services.dropi_addresses import ADDRESS_LIMITS
from shops.services.dropi_order_events import Actor, Kind, dropi_order_action_seen, dropi_order_event_add
from shops.services.dropi_orders import IN_DROPI, dropi_order_address_change, dropi_order_queue

logger = logging.getLogger(__name__)

State = DropiOrder.State
ACTIONS = ("confirm", "cancel", "update_address")
MAX_ACTION_ID = 100
STAFF_NOTE = "Cancelado por el bot de Ecomdrop (acción 'cancel' del callback)."
# Failures of orderCancel that trying again cannot fix: the cancel goes on without Shopify's.
FINAL_SHOPIFY_FAILURES = (
    ShopifyFailure.AUTH,
    ShopifyFailure.FORBIDDEN,
    ShopifyFailure.LOCKED,
    ShopifyFailure.MISSING,
    ShopifyFailure.REFUSED,
)
CANCEL_OTHERWISE = MerchantAnswer(
    gettext_lazy("Shopify did not cancel the order right now, so nothing was changed; call again later."),
    code="shopify",
    status=502,
)


@dataclass(frozen=True)
class ActionOutcome:
    action: str
    changed: bool
    message: str
    order: DropiOrder


def callback_action_read(body: dict[str, Any]) -> tuple[str, str | None] | None:
    """(action, action id) of a callback body; None when it names no action (today's tags).
    Raises ApplicationError 400 for an unknown action or an action id that is not a short text."""
    action = body.get("action")
    if action is None or action == "":
        return None
    if not isinstance(action, str) or action.strip().lower() not in ACTIONS:
        raise ApplicationError(
            _("Unknown action. Use confirm, cancel or update_address."), field="action", code="unknown_action"
        )
    action_id = body.get("action_id", body.get("actionId"))
    if action_id is not None and (not isinstance(action_id, str | int) or not 0 < len(str(action_id)) <= MAX_ACTION_ID):
        raise ApplicationError(
            _("action_id must be a text of at most %(limit)d characters.") % {"limit": MAX_ACTION_ID},
            field="action_id",
            code="invalid_action_id",
        )
    return action.strip().lower(), (str(action_id) if action_id is not None else None)


def _find(shop: str, order_id: str | None, order_name: str | None) -> DropiOrder:
    orders = DropiOrder.objects.filter(shop=shop)
    if order_id is not None:
        found = orders.filter(shopify_order_id=ids.numeric_id(order_id)).first()
    else:
        name = (order_name or "").lstrip("#")
        found = orders.filter(order_name__in=[f"#{name}", name]).order_by("-id").first()
    if found is None:
        raise ApplicationError(
            _("The app has no record of this order in this shop (orders that arrived before can only be tagged)."),
            code="not_found",
            status=404,
        )
    return found


def callback_action_apply(
    *,
    configuration: ShopConfiguration,
    action: str,
    action_id: str | None,
    body: dict[str, Any],
    order_id: str | None,
    order_name: str | None,
) -> ActionOutcome:
    """Apply the bot's ``action`` to the order the callback names, once.

    Raises ApplicationError: 404 (no such order in this shop), 400 (bad address fields), 409
    (an address change once a Dropi order exists or is being placed, a confirm after a cancel),
    403/404/422 (Shopify refused a new address) or 502 (Shopify failed for now: nothing was
    changed, calling again is safe).
    """
    order = _find(configuration.shop, order_id, order_name)
    if dropi_order_action_seen(order_id=order.pk, action_id=action_id):
        return ActionOutcome(action, False, _("This action was already applied."), order)
    if action == "confirm":
        outcome = _confirm(order, action_id)
    elif action == "cancel":
        outcome = _cancel(order, action_id, configuration)
    else:
        outcome = _update_address(order, body, action_id)
    order.refresh_from_db()
    logger.info("Bot action %s (changed: %s)", action, outcome.changed, extra={"shop": order.shop, "order": order.pk})
    return ActionOutcome(outcome.action, outcome.changed, outcome.message, order)


def _confirm(order: DropiOrder, action_id: str | None) -> ActionOutcome:
    if order.state == State.CANCELLED:
        raise ApplicationError(_("The order was cancelled; it cannot be confirmed."), code="cancelled", status=409)
    if not DropiOrder.objects.filter(pk=order.pk, confirmed_at__isnull=True).update(confirmed_at=timezone.now()):
        return ActionOutcome("confirm", False, _("The order was already confirmed."), order)
    dropi_order_event_add(order_id=order.pk, kind=Kind.CONFIRMED, actor=Actor.BOT, action_id=action_id)
    messages = {
        DropiOrderMode.BOT: _("Confirmed. The bot places this order in Dropi; the app does not."),
        DropiOrderMode.APP_ON_ORDER: _("Confirmed. The app placed this order in Dropi when it arrived."),
        DropiOrderMode.MANUAL: _("Confirmed. The merchant places this order in Dropi from Pedidos."),
        DropiOrderMode.APP_ON_CONFIRM: _("Confirmed. The app is placing the order in Dropi."),
    }
    if order.mode == DropiOrderMode.APP_ON_CONFIRM:
        dropi_order_queue(order=order, from_states=(State.AWAITING,), kind=None, actor=Actor.BOT)
    return ActionOutcome("confirm", True, messages[DropiOrderMode(order.mode)], order)


def _cancel_in_shopify(order: DropiOrder) -> str:
    """Cancel the Shopify order once; "" when done, else why Shopify refused for good. Raises
    ApplicationError 502 when Shopify failed for now (nothing changed here)."""
    try:
        order_cancel(
            shopify_admin_client(shop=order.shop),
            order_id=ids.gid("Order", order.shopify_order_id),
            staff_note=STAFF_NOTE,
        )
    except ShopifyError as error:
        if shopify_failure(error) not in FINAL_SHOPIFY_FAILURES:
            raise CANCEL_OTHERWISE.error() from error
        reason = str(error)[:300]
        detail = {"refused": reason}
        dropi_order_event_add(order_id=order.pk, kind=Kind.SHOPIFY_CANCELLED, actor=Actor.APP, detail=detail)
        return reason
    DropiOrder.objects.filter(pk=order.pk).update(shopify_cancelled_at=timezone.now())
    dropi_order_event_add(order_id=order.pk, kind=Kind.SHOPIFY_CANCELLED, actor=Actor.APP)
    return ""


def _cancel(order: DropiOrder, action_id: str | None, configuration: ShopConfiguration) -> ActionOutcome:
    wants_shopify = configuration.cancel_shopify_order_on_bot_cancel and order.shopify_cancelled_at is None
    if order.cancelled_at is not None and not wants_shopify:
        return ActionOutcome("cancel", False, _("The order was already cancelled."), order)
    refused = _cancel_in_shopify(order) if wants_shopify else ""
    now = timezone.now()
    first = DropiOrder.objects.filter(pk=order.pk, cancelled_at__isnull=True).update(cancelled_at=now, updated_at=now)
    open_states = (State.BOT, State.AWAITING, State.QUEUED, State.NEEDS_LINK, State.ADDRESS, State.FAILED)
    not_in_dropi = DropiOrder.objects.filter(pk=order.pk, state__in=open_states, dropi_order_id="")
    not_in_dropi.filter(needs_lookup=False).update(state=State.CANCELLED)
    # An earlier create may have reached Dropi: the order is looked up there first (found, it
    # must be cancelled in Dropi; not found, it ends cancelled).
    waiting = (State.NEEDS_LINK, State.ADDRESS, State.FAILED)
    if order.needs_lookup:
        dropi_order_queue(order=order, from_states=waiting, kind=None, actor=Actor.BOT)
    order.refresh_from_db()
    if first:
        dropi_order_event_add(order_id=order.pk, kind=Kind.CANCELLED, actor=Actor.BOT, action_id=action_id)
    message = _cancel_message(order)
    if wants_shopify:
        shopify_part = (
            _("The Shopify order was cancelled (restocked, not refunded).")
            if not refused
            else _("Shopify did not cancel the order: %(reason)s") % {"reason": refused}
        )
        message = f"{message} {shopify_part}"
    return ActionOutcome("cancel", bool(first) or wants_shopify, message, order)


def _cancel_message(order: DropiOrder) -> str:
    """What the cancel did on the Dropi side (recording, once, that Dropi must cancel it)."""
    if order.dropi_order_id or order.state in IN_DROPI:
        if DropiOrder.objects.filter(pk=order.pk, dropi_cancel_required=False).update(dropi_cancel_required=True):
            detail = {"dropi_order_id": order.dropi_order_id}
            dropi_order_event_add(order_id=order.pk, kind=Kind.DROPI_CANCEL_REQUIRED, actor=Actor.APP, detail=detail)
        return _(
            "Cancelled. Dropi order %(id)s already exists and must be cancelled in Dropi: "
            "the app does not cancel Dropi orders."
        ) % {"id": order.dropi_order_id}
    if order.state in (State.PLACING, State.SENDING) or order.needs_lookup:
        return _(
            "Cancelled while the app was placing it in Dropi: if Dropi created it, "
            "Pedidos shows that it must be cancelled in Dropi."
        )
    return _("Cancelled.")


def _address_fields(body: dict[str, Any]) -> Any:
    """The new address: the ``address`` object, or the address fields at the top of the body."""
    if "address" in body:
        return body["address"]
    return {name: body[name] for name in (*ADDRESS_LIMITS, "phone") if name in body}


def _update_address(order: DropiOrder, body: dict[str, Any], action_id: str | None) -> ActionOutcome:
    before = order.state
    order, changed = dropi_order_address_change(
        order=order, fields=_address_fields(body), actor=Actor.BOT, action_id=action_id
    )
    if not changed:
        return ActionOutcome("update_address", False, _("The order already has this address."), order)
    message = _("Address updated in Shopify and for Dropi.")
    if before == State.ADDRESS:
        message = f"{message} {_('The order is placed in Dropi again.')}"
    return ActionOutcome("update_address", True, message, order)
