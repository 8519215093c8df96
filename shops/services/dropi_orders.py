"""Dropi orders: an order's Dropi identity recorded when it arrives, who places it, and the
requests that move it (the merchant's "Crear en Dropi" and "Reintentar", a corrected address).

Owns: recording the ``DropiOrder`` of an ``orders/create`` payload (one per shop and Shopify
order: a repeated webhook finds the row; lines resolved, the address kept, the mode decided
once from the shop's setting at that moment), the shop's Dropi order settings, queueing a
placement only from the states that allow one (a conditional UPDATE: a click, a callback and a
mode change racing each other queue it once), and changing the address before a Dropi order
exists (Shopify's shipping address first, then the snapshot). Must not place orders
(``dropi_order_job``) nor read the callback (``bot_actions``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connector.db_rows import insert_unless_duplicate
from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify import ids
from connector.shopify.errors import ShopifyError
from connector.shopify.failures import MerchantAnswer, ShopifyFailure, shopify_error_as_application_error
from connector.shopify.orders import ShippingAddress, order_update_shipping_address
from shops.models import DropiOrder, DropiOrderMode, ShopConfiguration
from shops.services.delivery_payloads import buyer_snapshot, clean_text, payment_gateway
from shops.services.dropi_addresses import address_snapshot, address_validate
from shops.services.dropi_lines import dropi_lines_resolve, order_lines
from shops.services.dropi_order_events import Actor, Kind, dropi_order_event_add
from shops.services.dropi_order_job import dropi_order_schedule

logger = logging.getLogger(__name__)

State = DropiOrder.State
FIRST_STATE = {
    DropiOrderMode.BOT: State.BOT,
    DropiOrderMode.APP_ON_CONFIRM: State.AWAITING,
    DropiOrderMode.APP_ON_ORDER: State.QUEUED,
    DropiOrderMode.MANUAL: State.AWAITING,
}
# Before any Dropi order exists and while no worker holds the order.
ADDRESS_EDITABLE = (State.BOT, State.AWAITING, State.QUEUED, State.NEEDS_LINK, State.ADDRESS, State.FAILED)
RETRYABLE = (State.NEEDS_LINK, State.ADDRESS, State.FAILED)
IN_DROPI = (State.TAGGING, State.PLACED)
PAID = ("paid", "partially_refunded", "refunded")
# Shopify has no provinces for these countries: a province code would be refused.
NO_SHOPIFY_PROVINCES = ("EC", "PY")
SHOPIFY_ANSWERS = {
    ShopifyFailure.AUTH: MerchantAnswer(
        gettext_lazy("Shopify no longer accepts this app's access to the shop; open the app from the Shopify admin."),
        code="shopify_access",
        status=403,
    ),
    ShopifyFailure.FORBIDDEN: MerchantAnswer(
        gettext_lazy("Shopify does not allow this app to change the order."), code="shopify_forbidden", status=403
    ),
    ShopifyFailure.MISSING: MerchantAnswer(
        gettext_lazy("The order was not found in Shopify."), code="not_found", status=404
    ),
    ShopifyFailure.REFUSED: MerchantAnswer(
        gettext_lazy("Shopify refused the address; check the province and the postal code."),
        code="shopify_refused",
        status=422,
    ),
}


def _total(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _defaults(shop: str, order: dict[str, Any], configuration: ShopConfiguration | None) -> dict[str, Any]:
    resolution = dropi_lines_resolve(shop=shop, lines=order_lines(order))
    buyer = buyer_snapshot(order, default_country=configuration.dropi_country if configuration else None)
    gateway, is_cod = payment_gateway(order)
    mode = DropiOrderMode(configuration.dropi_order_mode) if configuration else DropiOrderMode.BOT
    return {
        "order_name": clean_text(order.get("name"))[:64],
        "mode": mode,
        "state": FIRST_STATE[mode],
        "lines": resolution.resolved,
        "unresolved_lines": resolution.unresolved,
        "unresolved_count": len(resolution.unresolved),
        "address": address_snapshot(order),
        "phone": buyer.phone,
        "email": buyer.email,
        "customer_id": buyer.customer_id[:64],
        "total": _total(order.get("total_price")),
        "currency": clean_text(order.get("currency"))[:8],
        "gateway": gateway[:255],
        "cash_on_delivery": is_cod or clean_text(order.get("financial_status")).lower() not in PAID,
        "note": clean_text(order.get("note"))[:2000],
    }


_UNREAD = object()


def dropi_order_record(
    *, shop: str, order: dict[str, Any], configuration: ShopConfiguration | object | None = _UNREAD
) -> tuple[DropiOrder | None, bool]:
    """Record the Dropi side of an ``orders/create`` payload; (order, created).

    Idempotent: a repeated webhook returns the existing row. Decides who places it from the
    shop's mode now (recorded on the row and in its history); in ``app_on_order`` the
    placement is queued in the same transaction. No HTTP: runs in the webhook's transaction.
    An order without a numeric id (not a Shopify order) gets no row: (None, False).
    ``configuration``: the shop's, when the caller has just read it (None: the shop has none).
    """
    order_id = clean_text(order.get("id"))
    if not order_id.isdigit():
        return None, False
    # Inserted without looking first: a new order is the usual case, and a repeated one is
    # refused by the unique (shop, order) key and read then.
    if configuration is _UNREAD:
        configuration = ShopConfiguration.objects.filter(shop=shop).first()
    defaults = _defaults(shop, order, cast(ShopConfiguration | None, configuration))
    with transaction.atomic(savepoint=False):
        row = insert_unless_duplicate(DropiOrder, {"shop": shop, "shopify_order_id": order_id, **defaults})
        if row is not None:
            detail = {"mode": row.mode, "lines": len(row.lines), "unresolved": row.unresolved_count}
            dropi_order_event_add(order_id=row.pk, kind=Kind.RECORDED, actor=Actor.SHOPIFY, detail=detail)
            if row.state == State.QUEUED:
                dropi_order_schedule(row.pk)
    if row is None:
        return DropiOrder.objects.get(shop=shop, shopify_order_id=order_id), False
    return row, True


def dropi_order_settings_save(*, shop: str, mode: str, cancel_shopify_order: bool) -> ShopConfiguration:
    """Save who places the shop's Dropi orders (for orders that arrive from now on) and whether
    the bot's cancel also cancels the Shopify order. Raises ApplicationError for an unknown mode."""
    if mode not in DropiOrderMode.values:
        raise ApplicationError(_("Choose who places the Dropi orders."), field="mode", code="invalid_mode")
    configuration, _created = ShopConfiguration.objects.get_or_create(shop=shop)
    configuration.dropi_order_mode = mode
    configuration.cancel_shopify_order_on_bot_cancel = cancel_shopify_order
    configuration.save(update_fields=["dropi_order_mode", "cancel_shopify_order_on_bot_cancel", "updated_at"])
    return configuration


def dropi_order_get(*, shop: str, order_id: str) -> DropiOrder:
    """The shop's Dropi order of Shopify order ``order_id`` (a number or an order GID).
    Raises ApplicationError 404 (another shop's order included: its existence is not revealed)."""
    number = ids.numeric_id(str(order_id))
    found = DropiOrder.objects.filter(shop=shop, shopify_order_id=number).first() if number else None
    if found is None:
        raise ApplicationError(_("The app has no record of this order."), code="not_found", status=404)
    return found


def dropi_order_queue(
    *, order: DropiOrder, from_states: Sequence[str], kind: str | None, actor: str, action_id: str | None = None
) -> bool:
    """Queue the order's placement when it is in one of ``from_states`` (a retry starts its
    attempts again) and add ``kind`` to its history; False, nothing changed, otherwise."""
    with transaction.atomic():
        queued = DropiOrder.objects.filter(pk=order.pk, state__in=list(from_states)).update(
            state=State.QUEUED,
            attempts=0,
            next_attempt_at=None,
            error_code="",
            last_error="",
            updated_at=timezone.now(),
        )
        if queued:
            dropi_order_schedule(order.pk)
            if kind is not None:
                dropi_order_event_add(order_id=order.pk, kind=kind, actor=actor, action_id=action_id)
    order.refresh_from_db()
    return bool(queued)


def dropi_order_place(*, shop: str, order_id: str) -> tuple[DropiOrder, bool]:
    """The merchant's "Crear en Dropi": queue a waiting order; (order, queued now). An order
    already queued, being placed or in Dropi is left as it is. Raises ApplicationError 404, or
    409 when the bot places it, it needs "Reintentar" instead, or it was cancelled."""
    order = dropi_order_get(shop=shop, order_id=order_id)
    if dropi_order_queue(order=order, from_states=(State.AWAITING,), kind=Kind.PLACE_REQUESTED, actor=Actor.MERCHANT):
        return order, True
    if order.state in (State.QUEUED, State.PLACING, State.SENDING, *IN_DROPI):
        return order, False
    if order.state == State.BOT:
        message = _("The Ecomdrop bot places this order (the mode when it arrived), so the app does not.")
    elif order.state == State.CANCELLED:
        message = _("The order was cancelled.")
    else:
        message = _("Correct what stopped it, then use Retry.")
    raise ApplicationError(message, code="not_placeable", status=409)


def dropi_order_retry(*, shop: str, order_id: str, actor: str = Actor.MERCHANT) -> DropiOrder:
    """The merchant's "Reintentar" (or staff's, from the admin): queue an order that needs
    links, a corrected address or failed (its lines are resolved again). Raises
    ApplicationError 404, or 409 otherwise."""
    order = dropi_order_get(shop=shop, order_id=order_id)
    if not dropi_order_queue(order=order, from_states=RETRYABLE, kind=Kind.RETRY_REQUESTED, actor=actor):
        raise ApplicationError(
            _("Only orders that need a product link, a corrected address, or that failed can be retried."),
            code="not_retryable",
            status=409,
        )
    return order


def _shopify_address(order: DropiOrder, address: dict[str, str], phone: str | None) -> None:
    country = address.get("country_code", "")
    shipping = ShippingAddress(
        first_name=address.get("first_name", ""),
        last_name=address.get("last_name", ""),
        address1=address.get("address1", ""),
        address2=address.get("address2", ""),
        city=address.get("city", ""),
        province_code="" if country in NO_SHOPIFY_PROVINCES else address.get("province_code", ""),
        zip=address.get("zip", ""),
        country_code=country,
        phone=phone or (order.phone.reveal() if order.phone else ""),
    )
    try:
        order_update_shipping_address(
            shopify_admin_client(shop=order.shop), order_id=ids.gid("Order", order.shopify_order_id), address=shipping
        )
    except ShopifyError as error:
        logger.warning("Shopify refused the order's new address", extra={"shop": order.shop, "order": order.pk})
        raise shopify_error_as_application_error(error, answers=SHOPIFY_ANSWERS) from error


def _address_conflict(order: DropiOrder) -> ApplicationError:
    if order.dropi_order_id or order.state in IN_DROPI:
        message = _("Dropi order %(id)s already exists: change the address in Dropi.") % {"id": order.dropi_order_id}
    elif order.state == State.CANCELLED:
        message = _("The order was cancelled.")
    else:
        message = _("The order is being placed in Dropi right now; try again in a minute.")
    return ApplicationError(message, code="address_locked", status=409)


def dropi_order_address_change(
    *, order: DropiOrder, fields: Any, actor: str, action_id: str | None = None
) -> tuple[DropiOrder, bool]:
    """Replace the order's address before a Dropi order exists; (order, changed).

    Validates ``fields`` (ApplicationError 400), refuses once a Dropi order exists or a worker
    is placing it (409). The same address again changes nothing. Otherwise Shopify's shipping
    address is replaced first (its refusal changes nothing here), then the snapshot; an order
    Dropi refused for its address is queued again.
    """
    address, phone = address_validate(fields, current=order.address or {})
    if order.state not in ADDRESS_EDITABLE or order.dropi_order_id:
        raise _address_conflict(order)
    current_phone = order.phone.reveal() if order.phone else None
    if address == (order.address or {}) and phone in (None, current_phone):
        return order, False
    _shopify_address(order, address, phone)
    changed = sorted(name for name in address if address[name] != (order.address or {}).get(name))
    with transaction.atomic():
        updates: dict[str, Any] = {"address": address, "updated_at": timezone.now()}
        if phone:
            updates["phone"] = phone
        if not DropiOrder.objects.filter(pk=order.pk, state__in=ADDRESS_EDITABLE, dropi_order_id="").update(**updates):
            order.refresh_from_db()
            raise _address_conflict(order)
        kind = Kind.ADDRESS_CHANGED if actor == Actor.BOT else Kind.ADDRESS_EDITED
        detail = {"fields": sorted(changed + (["phone"] if phone and phone != current_phone else []))}
        dropi_order_event_add(order_id=order.pk, kind=kind, actor=actor, detail=detail, action_id=action_id)
    order.refresh_from_db()
    dropi_order_queue(order=order, from_states=(State.ADDRESS,), kind=Kind.RETRY_REQUESTED, actor=actor)
    return order, True
