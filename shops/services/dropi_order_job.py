"""Placing Dropi orders, exactly once: the Dropi order's placement states and transitions.

Owns: placing a queued ``DropiOrder`` in Dropi — lines resolved again (a product linked since
counts), the address in Dropi's words, the create — and tagging the Shopify order
``dropi:<id>`` afterwards, with their retries and recovery. A job on the leased-work machine
(``DROPI_ORDER`` below).

Exactly once: a worker claims the order with the machine's conditional UPDATE (only one wins)
and records the intent (``sending``, ``needs_lookup``) in its own committed write before the
create. A create that may have reached Dropi without a clear answer (read timeout, a 5xx after
sending, a worker lost while ``sending``) leaves ``needs_lookup`` set: every later attempt
first lists the account's orders of the order's days and matches ``shop_order_id`` (the
Shopify order id), and creates only when Dropi has none. A clear refusal needs no look-up.
Dropi's "Too Many Attempts" pauses the shop's Dropi calls (shared with the catalogue) and the
order waits for the pause to end without spending an attempt. Tagging is its own step
(``tagging``), retried alone: ``tagsAdd`` adds a tag at most once. No transaction is open
during HTTP calls. Must not record orders nor decide when one is placed (``dropi_orders``).
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from connector.dropi.errors import (
    DropiAddressRefused,
    DropiAuthError,
    DropiConfigurationError,
    DropiError,
    DropiRateLimited,
)
from connector.dropi.orders import CONTRACT, DropiOrderLine, DropiOrderRequest, DropiOrdersClient, DropiOrderSummary
from connector.errors import ApplicationError
from connector.sessions import shopify_admin_client
from connector.shopify import ids
from connector.shopify.errors import ShopifyError
from connector.shopify.tags import tags_add
from connector.work import (
    Claim,
    Job,
    LeaseLost,
    LostReason,
    Recovery,
    lease_from_settings,
    requested_wait,
    retry_from_settings,
    work_claim,
    work_finish,
    work_renew,
    work_requeue,
    work_requeue_lost,
    work_retry_delay,
    work_retry_or_fail,
    work_schedule,
    work_state,
)
from shops.models import DropiOrder, ShopConfiguration
from shops.services.dropi_account import dropi_access_get, dropi_error_as_application_error, dropi_pause_remaining
from shops.services.dropi_addresses import country_name_for_dropi, dropi_destination, place_normalise
from shops.services.dropi_lines import dropi_lines_resolve
from shops.services.dropi_locations import dropi_locations_match
from shops.services.dropi_order_events import Actor, Kind, dropi_order_event_add

logger = logging.getLogger(__name__)

State = DropiOrder.State
# Stored in English like every recorded error; the pages explain them by ``error_code``.
WORKER_LOST_WHILE_SENDING = "WorkerLost: the worker stopped while Dropi was creating the order."
# Dropi's list is searched from a day before the order arrived (time zones) to a day after now.
LOOKUP_MARGIN = datetime.timedelta(days=1)


def _order_lost(order: DropiOrder, reason: LostReason, now: datetime.datetime) -> Recovery:
    """A worker lost while ``sending`` may have created the order: queued again, to be looked up
    first. Lost before that: queued again. Lost while tagging: tagged again (harmless)."""
    if reason is LostReason.TASK:
        return Recovery("requeued_overdue")
    if order.state == State.SENDING:
        changes = {"state": State.QUEUED, "needs_lookup": True, "next_attempt_at": None}
        return Recovery(
            "requeued_lookup", {**changes, "error_code": "unconfirmed", "last_error": WORKER_LOST_WHILE_SENDING}
        )
    if order.state == State.TAGGING:
        return Recovery("requeued_tag", {"next_attempt_at": None})
    return Recovery("requeued", {"state": State.QUEUED, "next_attempt_at": None})


def _process(order_id: int) -> str:
    return dropi_order_process(order_id=order_id)


DROPI_ORDER: Job[DropiOrder] = Job(
    name="dropi_order",
    model=DropiOrder,
    task="shops.tasks.place_dropi_order",
    process=_process,
    waiting_states=(State.QUEUED, State.TAGGING),
    running_states=(State.PLACING, State.SENDING, State.TAGGING),
    claim_state=State.PLACING,
    retry_state=State.QUEUED,
    failed_state=State.FAILED,
    lease=lease_from_settings("DROPI_ORDER"),
    retry=retry_from_settings("DROPI_ORDER"),
    lost=_order_lost,
    deferred_fields=("lines", "unresolved_lines", "address", "note"),
)


def dropi_order_schedule(order_id: int, *, run_after: datetime.datetime | None = None) -> None:
    """Queue the order's next step (see ``connector.work.work_schedule``)."""
    work_schedule(job=DROPI_ORDER, pk=order_id, run_after=run_after)


def dropi_orders_recover() -> dict[str, int]:
    """Both recovery sweeps (the worker's maintenance); non-zero counts only."""
    return work_requeue_lost(job=DROPI_ORDER)


def dropi_order_process(*, order_id: int) -> str:
    """Run the order's due step (placement or tag); return its state afterwards. Does nothing
    when the order is not due, not in a waiting state, or claimed by another worker."""
    step = _place
    claim = work_claim(job=DROPI_ORDER, pk=order_id, states=(State.QUEUED,))
    if claim is None:
        step = _tag
        claim = work_claim(
            job=DROPI_ORDER,
            pk=order_id,
            states=(State.TAGGING,),
            to_state=State.TAGGING,
            count_attempt=False,
            changes={"tag_attempts": F("tag_attempts") + 1},
        )
    if claim is None:
        return work_state(job=DROPI_ORDER, pk=order_id)
    try:
        return step(claim)
    except LeaseLost:
        logger.warning("Dropi order taken over by another worker; this attempt stops", extra={"order": order_id})
        return work_state(job=DROPI_ORDER, pk=order_id)


def _event(claim: Claim[DropiOrder], kind: str, **detail: object) -> None:
    dropi_order_event_add(order_id=claim.pk, kind=kind, actor=Actor.APP, detail=dict(detail))


def _stop(claim: Claim[DropiOrder], state: str, code: str, message: str, kind: str, **changes: Any) -> str:
    """End the attempt in ``state`` (it waits for the merchant, the bot or staff)."""
    if not work_finish(claim, state=state, error_code=code, last_error=message[:1000], next_attempt_at=None, **changes):
        raise LeaseLost
    _event(claim, kind, code=code, message=message[:500])
    logger.info("Dropi order stopped: %s", code, extra={"shop": claim.row.shop, "order": claim.pk})
    return state


def _pause(claim: Claim[DropiOrder], seconds: float) -> str:
    """Wait for the shop's Dropi pause to end; this attempt does not count."""
    run_after = timezone.now() + datetime.timedelta(seconds=seconds)
    changes: dict[str, Any] = {
        "attempts": F("attempts") - 1,
        "error_code": "rate_limited",
        "last_error": "DropiRateLimited",
    }
    if not work_requeue(claim, run_after=run_after, state=State.QUEUED, **changes):
        raise LeaseLost
    _event(claim, Kind.PAUSED, until=run_after.isoformat())
    return State.QUEUED


def _place(claim: Claim[DropiOrder]) -> str:
    order = claim.row
    configuration = ShopConfiguration.objects.filter(shop=order.shop).first()
    if configuration is None or not configuration.is_installed:
        return _stop(claim, State.FAILED, "uninstalled", "The app is not installed in the shop.", Kind.FAILED)
    # A cancelled order is only looked up (when an earlier create may have reached Dropi, it
    # must then be cancelled there); it is never created.
    if order.cancelled_at is not None and not order.needs_lookup:
        return _stop(claim, State.CANCELLED, "", "", Kind.CANCELLED)
    resolution = dropi_lines_resolve(shop=order.shop, lines=[*order.lines, *order.unresolved_lines])
    lines = {"lines": resolution.resolved, "unresolved_lines": resolution.unresolved}
    if (resolution.unresolved or not resolution.resolved) and order.cancelled_at is None:
        message = "Some lines have no Dropi product." if resolution.unresolved else "The order has no lines to ship."
        return _stop(
            claim,
            State.NEEDS_LINK,
            "needs_link",
            message,
            Kind.NEEDS_LINK,
            **lines,
            unresolved_count=len(resolution.unresolved),
        )
    try:
        access = dropi_access_get(shop=order.shop)
    except ApplicationError as error:
        return _stop(claim, State.FAILED, error.code, error.message, Kind.FAILED)
    paused = dropi_pause_remaining(shop=order.shop)
    if paused > 0:
        return _pause(claim, paused)
    client = DropiOrdersClient(token=access.token, country=access.country, shop=order.shop)
    try:
        work_renew(claim, **lines, unresolved_count=len(resolution.unresolved))
        if order.needs_lookup:
            found = _look_up(claim, client)
            if found is not None:
                return _placed(claim, found, Kind.PLACED, how="found")
        if DropiOrder.objects.filter(pk=claim.pk, cancelled_at__isnull=False).exists():
            return _stop(claim, State.CANCELLED, "", "", Kind.CANCELLED, needs_lookup=False)
        request = _request(claim, client, access.country, resolution.resolved)
        # The intent, in its own committed write: from here on, a lost answer or a lost worker
        # leads to a look-up, never to a second create.
        work_renew(claim, state=State.SENDING, needs_lookup=True)
        _event(claim, Kind.ATTEMPT, attempt=claim.attempt)
        created = client.order_create(request)
    except DropiError as error:
        return _failure(claim, error)
    return _placed(claim, created, Kind.PLACED, how="created")


def _look_up(claim: Claim[DropiOrder], client: DropiOrdersClient) -> DropiOrderSummary | None:
    order = claim.row
    work_renew(claim)
    since = timezone.localdate(order.created_at - LOOKUP_MARGIN, datetime.UTC)
    until = timezone.localdate(timezone.now() + LOOKUP_MARGIN, datetime.UTC)
    found = client.order_find(shop_order_id=order.shopify_order_id, since=since, until=until)
    _event(claim, Kind.LOOKUP, found=found.id if found else None)
    return found


def _national_phone(order: DropiOrder, country: str) -> str:
    if order.phone is None:
        return ""
    try:
        parsed = phonenumbers.parse(order.phone.reveal(), country)
    except phonenumbers.NumberParseException:
        return order.phone.reveal()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).replace(" ", "")


def _request(
    claim: Claim[DropiOrder], client: DropiOrdersClient, country: str, resolved: list[dict[str, Any]]
) -> DropiOrderRequest:
    """The create of the order: lines as resolved now, the address in Dropi's words."""
    order = claim.row
    address = order.address or {}
    rate_type = CONTRACT.cash_on_delivery if order.cash_on_delivery else CONTRACT.prepaid
    department, city = dropi_destination(address)
    if settings.DROPI_LOCATIONS_ENABLED:
        work_renew(claim)
        department, city = dropi_locations_match(
            client=client, country=country, department=department, city=city, rate_type=rate_type
        )
    lines = tuple(
        DropiOrderLine(
            product_id=str(line["dropi_product_id"]),
            variation_id=line["dropi_variation_id"] or None,
            quantity=int(line["quantity"]),
            price=Decimal(str(line["price"])),
        )
        for line in resolved
    )
    note = f"Pedido Shopify {order.order_name}" + (f". {order.note}" if order.note else "")
    street = ", ".join(part for part in (address.get("address1"), address.get("address2")) if part)
    return DropiOrderRequest(
        shop_order_id=order.shopify_order_id,
        first_name=address.get("first_name") or "Cliente",
        last_name=address.get("last_name") or "",
        phone=_national_phone(order, address.get("country_code") or country),
        email=order.email.reveal() if order.email else "",
        address=place_normalise(street),
        department=department,
        city=city,
        country=country_name_for_dropi(address.get("country_code") or country),
        notes=note[:500],
        rate_type=rate_type,
        total=order.total
        if order.total is not None
        else sum((line.price * line.quantity for line in lines), Decimal()),
        lines=lines,
    )


def _placed(claim: Claim[DropiOrder], summary: DropiOrderSummary, kind: str, *, how: str) -> str:
    """Record the Dropi order and queue the Shopify tag (even when the lease ran out during
    the call and recovery queued the order again: the id is what counts)."""
    now = timezone.now()
    changes: dict[str, Any] = {
        "dropi_order_id": summary.id[:64],
        "dropi_status": summary.status[:64],
        "placed_at": now,
        "needs_lookup": False,
        "error_code": "",
        "last_error": "",
    }
    # Recorded first: the tag step queued next may run at once (inline task backends).
    _event(claim, kind, dropi_order_id=summary.id, how=how)
    if not work_requeue(claim, state=State.TAGGING, **changes):
        with transaction.atomic():
            stray = DropiOrder.objects.filter(pk=claim.pk, dropi_order_id="", lease_owner="")
            if stray.exclude(state=State.TAGGING).update(state=State.TAGGING, updated_at=now, **changes):
                dropi_order_schedule(claim.pk)
    logger.info("Dropi order placed (%s)", how, extra={"shop": claim.row.shop, "order": claim.pk})
    if DropiOrder.objects.filter(pk=claim.pk, cancelled_at__isnull=False).update(dropi_cancel_required=True):
        _event(claim, Kind.DROPI_CANCEL_REQUIRED, dropi_order_id=summary.id)
    return work_state(job=DROPI_ORDER, pk=claim.pk)


def _failure(claim: Claim[DropiOrder], error: DropiError) -> str:
    shop = claim.row.shop
    text = f"{type(error).__name__}: {error.detail or error}"[:1000]
    before = claim.row.needs_lookup  # a clear refusal leaves the look-up as it was before the intent
    if isinstance(error, DropiRateLimited):
        dropi_error_as_application_error(shop=shop, error=error)
        return _pause(claim, max(dropi_pause_remaining(shop=shop), 1.0))
    if isinstance(error, DropiAddressRefused):
        return _stop(
            claim, State.ADDRESS, "address", error.detail or str(error), Kind.ADDRESS_REFUSED, needs_lookup=before
        )
    if isinstance(error, DropiAuthError):
        return _stop(claim, State.FAILED, "dropi_auth", text, Kind.FAILED, needs_lookup=before)
    if isinstance(error, DropiConfigurationError):
        return _stop(claim, State.FAILED, "dropi_not_configured", text, Kind.FAILED, needs_lookup=before)
    if not error.retryable:
        return _stop(claim, State.FAILED, "dropi_refused", text, Kind.FAILED, needs_lookup=before)
    code = "unconfirmed" if error.may_have_been_processed else "unavailable"
    lookup = before or error.may_have_been_processed
    state = work_retry_or_fail(
        claim,
        retryable=True,
        attempt=claim.attempt,
        error_text=text,
        retry_after=requested_wait(error),
        retry_changes={"needs_lookup": lookup, "error_code": code},
        fail_changes={"needs_lookup": lookup, "error_code": code},
    )
    if state is None:
        raise LeaseLost
    _event(claim, Kind.RETRYING if state == State.QUEUED else Kind.FAILED, code=code, message=text[:500])
    return state


def _tag(claim: Claim[DropiOrder]) -> str:
    """Write ``dropi:<id>`` on the Shopify order; retried alone when Shopify fails for now."""
    order = claim.row
    try:
        work_renew(claim)
        tags_add(
            shopify_admin_client(shop=order.shop),
            resource_id=ids.gid("Order", order.shopify_order_id),
            tags=[f"dropi:{order.dropi_order_id}"],
        )
    except ShopifyError as error:
        text = f"{type(error).__name__}: {error}"[:1000]
        if error.retryable and order.tag_attempts < settings.DROPI_ORDER_MAX_ATTEMPTS:
            wait = work_retry_delay(
                policy=DROPI_ORDER.retry(), attempt=order.tag_attempts, retry_after=requested_wait(error)
            )
            if not work_requeue(claim, run_after=timezone.now() + wait, state=State.TAGGING, last_error=text):
                raise LeaseLost from error
            return State.TAGGING
        if not work_finish(claim, state=State.PLACED, last_error=text, next_attempt_at=None):
            raise LeaseLost from error
        _event(claim, Kind.TAG_FAILED, message=text[:500])
        return State.PLACED
    if not work_finish(
        claim, state=State.PLACED, shopify_tagged_at=timezone.now(), last_error="", next_attempt_at=None
    ):
        raise LeaseLost
    _event(claim, Kind.TAGGED, tag=f"dropi:{order.dropi_order_id}")
    return State.PLACED
