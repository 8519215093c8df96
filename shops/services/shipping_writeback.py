"""Writing shipping transitions back to Shopify, exactly once: the ``ShippingUpdate`` job.

Owns: processing one recorded transition of a Dropi order, in three steps, each done once:

- ``tracking`` (when the transition carries a guía): the first guía ships the order's open
  fulfillment orders of one location with ``fulfillmentCreate`` (tracking company, number and
  URL from ``carriers``; ``notifyCustomer`` per shop); a later guía or carrier replaces the
  tracking (``fulfillmentTrackingInfoUpdate``);
- ``action``: in transit / out for delivery / delivered / incident add a fulfillment event;
  cancelled before any fulfillment cancels the Shopify order when the shop asked for it
  (restock, no refund, staff note); returned appends a note (never a refund);
- ``tags``: ``dropi:<stage>`` replacing the other stage tags — written in the same request as
  the step's write, or alone when the transition writes nothing else.

Exactly once: the transitions of one order run one at a time, oldest first (a later one waits).
Before each write the intent is committed (``sending``, ``writing``, ``needs_lookup``); a write
that may have reached Shopify without an answer (timeout, 5xx, a worker lost while
``sending``) leaves ``needs_lookup``, and the next attempt reads the order's fulfillments,
events, note or cancellation back before writing again. Throttling writes nothing and is
retried with Shopify's wait. A shop without the fulfillment scopes gets the problem recorded
(shown in Estado with the fix) and the rest of the transition still runs. No transaction is
open during a Shopify call. Must not record transitions (``shipping_transitions``).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from connector.sessions import shopify_admin_client
from connector.shopify.errors import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyForbidden,
    ShopifyThrottled,
    ShopifyUserErrors,
)
from connector.shopify.fulfillments import OrderFulfillmentState
from connector.work import (
    Claim,
    Job,
    LeaseLost,
    LostReason,
    Recovery,
    RetryPolicy,
    requested_wait,
    work_claim,
    work_finish,
    work_requeue,
    work_requeue_lost,
    work_retry_or_fail,
    work_schedule,
    work_state,
)
from shops.models import DropiOrder, ShippingUpdate, ShopConfiguration
from shops.services import shipping_steps
from shops.services.shipping_steps import Step

logger = logging.getLogger(__name__)

State = ShippingUpdate.State
UNFINISHED = (State.PENDING, State.PROCESSING, State.SENDING)
# A later transition of an order waits this long for the earlier one to finish.
ORDER_TURN_WAIT = datetime.timedelta(seconds=2)
WORKER_LOST_WHILE_SENDING = "WorkerLost: the worker stopped while Shopify was being written."


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=max(settings.SHIPPING_UPDATE_LEASE_SECONDS, settings.HTTP_TIMEOUT_SECONDS * 2))


def _retry_policy() -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.SHIPPING_UPDATE_RETRY_BASE_SECONDS,
        max_seconds=settings.SHIPPING_UPDATE_RETRY_MAX_SECONDS,
        max_attempts=settings.SHIPPING_UPDATE_MAX_ATTEMPTS,
    )


def _lost(update: ShippingUpdate, reason: LostReason, now: datetime.datetime) -> Recovery:
    """Lost while ``sending``: queued again, to read Shopify back first. Lost before: queued again."""
    if reason is LostReason.TASK:
        return Recovery("requeued_overdue")
    if update.state == State.SENDING:
        changes = {"state": State.PENDING, "needs_lookup": True, "next_attempt_at": None}
        return Recovery("requeued_lookup", {**changes, "last_error": WORKER_LOST_WHILE_SENDING})
    return Recovery("requeued", {"state": State.PENDING, "next_attempt_at": None})


def _process(update_id: int) -> str:
    return shipping_update_process(update_id=update_id)


SHIPPING_UPDATE: Job[ShippingUpdate] = Job(
    name="shipping_update",
    model=ShippingUpdate,
    task="shops.tasks.write_shipping_update",
    process=_process,
    waiting_states=(State.PENDING,),
    running_states=(State.PROCESSING, State.SENDING),
    claim_state=State.PROCESSING,
    retry_state=State.PENDING,
    failed_state=State.FAILED,
    lease=_lease,
    retry=_retry_policy,
    lost=_lost,
)


def shipping_update_schedule(update_id: int, *, run_after: datetime.datetime | None = None) -> None:
    """Queue the transition's write-back (see ``connector.work.work_schedule``)."""
    work_schedule(job=SHIPPING_UPDATE, pk=update_id, run_after=run_after)


def shipping_updates_recover() -> dict[str, int]:
    """Both recovery sweeps (the worker's maintenance); non-zero counts only."""
    return work_requeue_lost(job=SHIPPING_UPDATE)


def shipping_update_process(*, update_id: int) -> str:
    """Run the transition's write-back; return its state afterwards. Does nothing when it is
    not due, not pending, or claimed by another worker."""
    claim = work_claim(job=SHIPPING_UPDATE, pk=update_id)
    if claim is None:
        return work_state(job=SHIPPING_UPDATE, pk=update_id)
    try:
        return _run(claim)
    except LeaseLost:
        logger.warning("Shipping update taken over by another worker; this attempt stops", extra={"update": update_id})
        return work_state(job=SHIPPING_UPDATE, pk=update_id)


def _earlier_unfinished(update: ShippingUpdate) -> bool:
    return ShippingUpdate.objects.filter(order_id=update.order_id, pk__lt=update.pk, state__in=UNFINISHED).exists()


def _run(claim: Claim[ShippingUpdate]) -> str:
    update = claim.row
    if _earlier_unfinished(update):
        # Not this one's turn: no attempt spent.
        if not work_requeue(
            claim, run_after=timezone.now() + ORDER_TURN_WAIT, state=State.PENDING, attempts=F("attempts") - 1
        ):
            raise LeaseLost
        return State.PENDING
    configuration = ShopConfiguration.objects.filter(shop=update.shop).first()
    if configuration is None or not configuration.is_installed:
        return _end(claim, State.FAILED, "uninstalled", "The app is not installed in the shop.")
    order = DropiOrder.objects.get(pk=update.order_id)
    run = Step(claim=claim, client=shopify_admin_client(shop=update.shop), order=order, configuration=configuration)
    refused = ""
    try:
        for name, step in (("tracking", _tracking), ("action", shipping_steps.action), ("tags", shipping_steps.tags)):
            if name not in run.steps:
                refused = _step(run, name, step) or refused
    except ShopifyError as error:
        return _failure(run, error)
    finally:
        ShippingUpdate.objects.filter(pk=claim.pk).update(shopify_calls=F("shopify_calls") + run.client.calls)
    code = "shopify_refused" if refused else ""
    return _end(claim, State.DONE, code, refused, steps=run.steps, done_at=timezone.now())


def _step(run: Step, name: str, step: Callable[[Step], None]) -> str:
    """Run one step; Shopify refusing its input (nothing written) ends that step only, so the
    others (the stage tag above all) still run. Returns the refusal, "" when none."""
    try:
        step(run)
    except ShopifyUserErrors as error:
        text = f"ShopifyUserErrors: {error}"[:1000]
        logger.warning("Shopify refused a shipping write-back step", extra={"shop": run.update.shop, "step": name})
        run.writing = ""
        run.done(name, f"refused: {error}"[:200])
        return text
    return ""


def _end(claim: Claim[ShippingUpdate], state: str, code: str, message: str, **changes: Any) -> str:
    if not work_finish(
        claim, state=state, error_code=code, last_error=message[:1000], next_attempt_at=None, writing="", **changes
    ):
        raise LeaseLost
    logger.info("Shipping update %s %s", state, code, extra={"shop": claim.row.shop, "update": claim.pk})
    return state


def _tracking(run: Step) -> None:
    """Ship the order with the guía, or replace its tracking; once."""
    update = run.update
    if not update.guia:
        run.done("tracking", "no_guia")
        return
    try:
        if run.order.shopify_fulfillment_id:
            shipping_steps.tracking_replace(run)
        else:
            _ship(run)
    except ShopifyForbidden as error:
        shipping_steps.scope_missing(run, error, "tracking")
        return
    run.configuration_problem_clear()


def _ship(run: Step) -> None:
    """The first guía: find what an earlier attempt (or the merchant) did, else create."""
    state = run.read()
    if state is None:
        run.done("tracking", "order_missing")
        return
    found = state.fulfillment_with_number(run.update.guia)
    if found is not None:
        run.fulfillment_recorded(found.id, how="found")
        return
    location_ids = [item.location_id for item in state.shippable if item.location_id]
    if not location_ids:
        _adopt(run, state)
        return
    chosen = tuple(item.id for item in state.shippable if item.location_id == location_ids[0])
    created = run.write("tracking", shipping_steps.create_fulfillment, chosen)
    run.fulfillment_recorded(created.id, how="created", tags_ok=not created.tag_errors)


def _adopt(run: Step, state: OrderFulfillmentState) -> None:
    """Nothing left to ship: the order was fulfilled by the merchant. Its latest fulfillment
    gets the guía when it has no tracking of its own, quietly."""
    live = [item for item in state.fulfillments if item.status != "CANCELLED"]
    if not live:
        run.done("tracking", "nothing_to_fulfill")
        return
    latest = live[-1]
    if any(info.number for info in latest.tracking):
        # Shipped with its own tracking (an order of before the app): kept, and the buyer is
        # not told again; the later milestones go to that fulfillment.
        run.fulfillment_recorded(latest.id, how="adopted_kept")
        return
    run.fulfillment_recorded(latest.id, how="adopted", tracking="")
    shipping_steps.tracking_replace(run, notify=False)


def _failure(run: Step, error: ShopifyError) -> str:
    claim = run.claim
    text = f"{type(error).__name__}: {error}"[:1000]
    if not (error.retryable or _auth(error)):
        return _end(claim, State.FAILED, "shopify_refused", text, steps=run.steps, needs_lookup=run.lookup_before)
    # Throttled: nothing was written. Any other failure of a write may hide a done write.
    ambiguous = bool(run.writing) and not isinstance(error, ShopifyThrottled)
    lookup = run.lookup_before or ambiguous
    code = "unconfirmed" if ambiguous else "throttled" if isinstance(error, ShopifyThrottled) else "unavailable"
    changes = {"needs_lookup": lookup, "error_code": code, "steps": run.steps, "writing": run.writing}
    state = work_retry_or_fail(
        claim,
        retryable=True,
        attempt=claim.attempt,
        error_text=text,
        retry_after=requested_wait(error),
        retry_changes=changes,
        fail_changes=changes,
    )
    if state is None:
        raise LeaseLost
    return state


def _auth(error: ShopifyError) -> bool:
    """A refused token may work again once the merchant opens the app: retried."""
    return isinstance(error, ShopifyAuthError)
