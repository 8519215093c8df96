"""Processing flow deliveries, exactly once: the delivery's states and transitions.

Owns: processing a recorded ``FlowDelivery`` — find or create the buyer's Ecomdrop contact, set
the order data as contact fields, send the flow — and its retries, recovery and resend. A job
on the leased-work machine (``FLOW_DELIVERY`` below); its own rules are the ``sending`` →
``unconfirmed`` rule and a retry budget that counts attempts that achieved nothing.

Exactly once: a worker claims a delivery with the machine's conditional UPDATE (only one wins)
and records the intent (``sending``) in its own committed write before calling ``send flow``.
An error answer from Ecomdrop means nothing was sent, so it is retried with back-off; a call
that may have reached Ecomdrop without an answer, or a worker that vanished while ``sending``,
leaves the delivery ``unconfirmed`` — never resent automatically (the callback of the flow
confirms it; staff or the merchant may resend by hand). No transaction is open during HTTP
calls. Must not record deliveries (``deliveries`` does).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from connector.ecomdrop.client import EcomdropClient
from connector.ecomdrop.errors import EcomdropError, EcomdropNotFound
from connector.errors import ApplicationError
from connector.work import (
    Claim,
    Job,
    LeaseLost,
    LostReason,
    Recovery,
    Turns,
    lease_from_settings,
    requested_wait,
    retry_from_settings,
    work_claim,
    work_finish,
    work_recover_expired,
    work_renew,
    work_renew_lazily,
    work_requeue,
    work_requeue_lost,
    work_retry_or_fail,
    work_run_due,
    work_schedule,
    work_shared,
    work_state,
    work_wake_turn,
)
from shops.models import FlowDelivery, ShopConfiguration
from shops.selectors import shop_configuration_get
from shops.services.delivery_flows import SHIPPING_FLOW_STAGES, delivery_shipping_flow_sent, delivery_skip_reason
from shops.services.ecomdrop_contacts import (
    Buyer,
    ContactProgress,
    ecomdrop_contact_field_names,
    ecomdrop_contact_forget,
    ecomdrop_contact_prepare,
    ecomdrop_flow_exists,
)
from shops.services.guardrails import Verdict, delivery_rules_of, duplicate_tag_in_shopify, guardrails_verdict

logger = logging.getLogger(__name__)

Status = FlowDelivery.Status
Kind = FlowDelivery.Kind
Skip = FlowDelivery.SkipReason

RESENDABLE = (Status.FAILED, Status.SKIPPED, Status.UNCONFIRMED)
# Stored in English like every recorded error; the pages translate it (shops.views.PROBLEMS).
WORKER_LOST_WHILE_SENDING = "WorkerLost: the worker stopped while sending the flow."


def _delivery_lost(delivery: FlowDelivery, reason: LostReason, now: datetime.datetime) -> Recovery:
    """A worker lost while ``sending`` may have sent the flow: unconfirmed, never resent. Lost
    before that: pending again, queued at once. A lost task: queued again."""
    if reason is LostReason.TASK:
        return Recovery("requeued_overdue")
    if delivery.state == Status.SENDING:
        return Recovery("unconfirmed", {"state": Status.UNCONFIRMED, "last_error": WORKER_LOST_WHILE_SENDING})
    return Recovery("requeued", {"state": Status.PENDING, "next_attempt_at": None})


def _process(delivery_id: int) -> str:
    return flow_delivery_process(delivery_id=delivery_id)


def _run_claimed(claim: Claim[FlowDelivery]) -> str:
    return flow_delivery_run_claimed(claim=claim)


FLOW_DELIVERY: Job[FlowDelivery] = Job(
    name="flow_delivery",
    model=FlowDelivery,
    task="shops.tasks.process_flow_delivery",
    process=_process,
    waiting_states=(Status.PENDING,),
    running_states=(Status.PROCESSING, Status.SENDING),
    claim_state=Status.PROCESSING,
    retry_state=Status.PENDING,
    failed_state=Status.FAILED,
    lease=lease_from_settings("FLOW_DELIVERY"),
    retry=retry_from_settings("FLOW_DELIVERY"),
    lost=_delivery_lost,
    run_claimed=_run_claimed,
    fair_key="shop",
    # One conversation per buyer: deliveries to one (shop, phone) run one at a time, in order.
    turns=Turns(("shop", "phone_key")),
)


def _schedule(delivery_id: int, *, run_after: datetime.datetime | None = None) -> None:
    """Queue the delivery's processing (see ``connector.work.work_schedule``)."""
    work_schedule(job=FLOW_DELIVERY, pk=delivery_id, run_after=run_after)


def flow_delivery_process(*, delivery_id: int) -> str:
    """Process one due delivery; return its resulting status.

    Does nothing (returns the current status) when the delivery is not pending, not due, or
    claimed by another worker. Retryable Ecomdrop failures before the flow is sent schedule a
    new attempt with exponential back-off and jitter (see ``_fail_or_retry``).
    """
    claim = work_claim(job=FLOW_DELIVERY, pk=delivery_id)
    if claim is None:
        return _current_status(delivery_id)
    return flow_delivery_run_claimed(claim=claim)


def flow_delivery_run_claimed(*, claim: Claim[FlowDelivery]) -> str:
    """Process a delivery this worker claimed (alone or in a batch: ``connector.work.polled``)."""
    state = _process_claimed(claim)
    if state not in (Status.PENDING, Status.PROCESSING, Status.SENDING):
        work_wake_turn(job=FLOW_DELIVERY, pk=claim.pk)  # the buyer's next delivery may run
    return state


def shop_configuration_of_batch(shop: str) -> ShopConfiguration | None:
    """The shop's settings, read once for the rows of a shop a worker claimed together
    (``work_shared``; read at once outside a claimed batch)."""
    return work_shared(("configuration", shop), lambda: shop_configuration_get(shop=shop))


def _process_claimed(claim: Claim[FlowDelivery]) -> str:
    delivery = claim.row
    configuration = shop_configuration_of_batch(delivery.shop)
    reason, flow_id = delivery_skip_reason(delivery, configuration)
    try:
        if reason or configuration is None:
            return _skip(claim, reason)
        verdict = guardrails_verdict(
            delivery,
            rules=work_shared(("rules", delivery.shop), lambda: delivery_rules_of(delivery.shop)),
            time_zone=configuration.iana_timezone,
            now=timezone.now(),
        )
        if verdict.skip or verdict.hold_until:
            return _guard(claim, verdict)
        if delivery.hold_reason:
            work_renew(claim, hold_reason="", reason_detail="")
        return _deliver(claim, configuration, flow_id)
    except LeaseLost:
        logger.warning(
            "Flow delivery taken over by another worker; this attempt stops",
            extra={"shop": delivery.shop, "delivery": delivery.pk},
        )
        return _current_status(delivery.pk)


def _current_status(delivery_id: int) -> str:
    return work_state(job=FLOW_DELIVERY, pk=delivery_id)


def _guard(claim: Claim[FlowDelivery], verdict: Verdict) -> str:
    """A guardrail's skip (a possible duplicate is tagged in Shopify first) or quiet-hours hold."""
    if verdict.hold_until is not None:
        held = work_requeue(
            claim,
            run_after=verdict.hold_until,
            state=Status.PENDING,
            hold_reason=FlowDelivery.HoldReason.QUIET_HOURS,
            reason_detail=verdict.detail,
        )
        if not held:
            raise LeaseLost
        logger.info("Flow delivery held for quiet hours", extra={"shop": claim.row.shop, "delivery": claim.pk})
        return Status.PENDING
    problem = ""
    if verdict.skip == Skip.DUPLICATE:
        work_renew(claim)
        problem = duplicate_tag_in_shopify(claim.row)
    return _skip(claim, verdict.skip, detail=verdict.detail, problem=problem)


def _skip(claim: Claim[FlowDelivery], reason: str, *, detail: str = "", problem: str = "") -> str:
    finished = work_finish(
        claim, state=Status.SKIPPED, skip_reason=reason, reason_detail=detail[:255], hold_reason="", last_error=problem
    )
    if not finished:
        raise LeaseLost
    logger.info("Flow delivery skipped: %s", reason, extra={"shop": claim.row.shop, "delivery": claim.pk})
    return Status.SKIPPED


def _progress(delivery: FlowDelivery) -> ContactProgress:
    """The contact steps an earlier attempt already did (they are not repeated)."""
    stored = (delivery.contact or {}).get("progress") or {}
    return ContactProgress(
        contact_id=delivery.contact_id,
        fields_set=set(stored.get("fields_set") or []),
        missing=set(stored.get("missing_fields") or []),
    )


def _deliver(claim: Claim[FlowDelivery], configuration: ShopConfiguration, flow_id: str) -> str:
    """Contact, fields, flow: each Ecomdrop call is preceded by a (lazy) renewal of this worker's
    lease, so a worker that was taken over (too slow, or paused) stops before calling again; the
    intent (``sending``) is always written and checked before the flow call."""
    delivery = claim.row
    # delivery_skip_reason sent the delivery on only with both; checked again for the type checker.
    if configuration.ecomdrop_api_key is None or delivery.phone is None:
        return _skip(claim, Skip.NO_API_KEY if configuration.ecomdrop_api_key is None else Skip.NO_PHONE)
    api_key = configuration.ecomdrop_api_key.reveal()
    client = EcomdropClient(api_key=api_key)
    names = ecomdrop_contact_field_names(configuration=configuration)
    contact = delivery.contact or {}
    buyer = Buyer(
        phone=delivery.phone.reveal(),
        email=delivery.email.reveal() if delivery.email else None,
        first_name=contact.get("first_name"),
        last_name=contact.get("last_name"),
    )
    progress = _progress(delivery)
    try:
        work_renew_lazily(claim)
        if not ecomdrop_flow_exists(client, api_key, flow_id):
            return _skip(claim, Skip.FLOW_MISSING)
        ecomdrop_contact_prepare(
            client=client,
            api_key=api_key,
            buyer=buyer,
            values_by_name={names[key]: value for key, value in (delivery.fields or {}).items() if key in names},
            progress=progress,
            before_call=lambda: work_renew_lazily(claim),
        )
    except EcomdropError as error:
        return _fail_or_retry(claim, error, progress)
    try:
        return _send(claim, client, flow_id, progress)
    except EcomdropNotFound:
        # A 404: nothing was sent. The remembered contact was deleted in Ecomdrop meanwhile:
        # forgotten, and the delivery looks the buyer up again at once.
        ecomdrop_contact_forget(api_key, buyer.phone)
        contact = {key: value for key, value in (delivery.contact or {}).items() if key != "progress"}
        if not work_requeue(claim, state=Status.PENDING, contact_id="", contact=contact, last_error=""):
            raise LeaseLost from None
        return Status.PENDING


def _send(claim: Claim[FlowDelivery], client: EcomdropClient, flow_id: str, progress: ContactProgress) -> str:
    """Record the intent, send the flow, record the outcome."""
    delivery = claim.row
    log_extra = {"shop": delivery.shop, "delivery": delivery.pk}
    # Record the intent first, in its own committed write: from here on a lost answer or a
    # lost worker can never lead to a second send.
    work_renew(
        claim,
        state=Status.SENDING,
        contact_id=progress.contact_id,
        contact={
            **(delivery.contact or {}),
            "progress": {"fields_set": sorted(progress.fields_set), "missing_fields": sorted(progress.missing)},
        },
        flow_id=flow_id[:255],
    )
    try:
        client.send_flow(contact_id=progress.contact_id, flow_id=flow_id)
    except EcomdropError as error:
        if isinstance(error, EcomdropNotFound) and progress.remembered:
            raise
        if error.may_have_been_processed:
            work_finish(claim, state=Status.UNCONFIRMED, last_error=_error_text(error))
            logger.warning("Flow send unconfirmed", extra=log_extra)
            return Status.UNCONFIRMED
        return _fail_or_retry(claim, error, progress)
    now = timezone.now()
    if not work_finish(claim, state=Status.SENT, sent_at=now, last_error="", next_attempt_at=None):
        # The lease ran out during the call and recovery marked it unconfirmed; it did go out.
        FlowDelivery.objects.filter(pk=delivery.pk, state=Status.UNCONFIRMED, lease_owner="").update(
            state=Status.SENT, sent_at=now, last_error="", updated_at=now
        )
    if delivery.kind in SHIPPING_FLOW_STAGES:
        delivery_shipping_flow_sent(delivery)
    if progress.missing:
        logger.warning(
            "Flow delivery sent without %s contact field(s) the Ecomdrop account lacks",
            len(progress.missing),
            extra=log_extra,
        )
    logger.info("Flow delivery sent", extra=log_extra)
    return Status.SENT


def _error_text(error: EcomdropError) -> str:
    return f"{type(error).__name__}: {error}"[:1000]


def _fail_or_retry(claim: Claim[FlowDelivery], error: EcomdropError, progress: ContactProgress) -> str:
    """Schedule another attempt or fail for good.

    The budget (FLOW_DELIVERY_MAX_ATTEMPTS) counts attempts in a row that achieved nothing: an
    attempt that found the contact or set fields before failing starts the count again, so a
    flaky Ecomdrop slows a delivery down but does not lose it.
    """
    delivery = claim.row
    stored = dict((delivery.contact or {}).get("progress") or {})
    old_fields = set(stored.get("fields_set") or [])
    advanced = bool(progress.contact_id and progress.contact_id != delivery.contact_id) or bool(
        progress.fields_set - old_fields
    )
    stalled = 0 if advanced else int(stored.get("stalled") or 0) + 1
    stored.update(stalled=stalled, fields_set=sorted(progress.fields_set))
    retry_changes: dict[str, Any] = {"contact": {**(delivery.contact or {}), "progress": stored}}
    if progress.contact_id:
        retry_changes["contact_id"] = progress.contact_id
    state = work_retry_or_fail(
        claim,
        retryable=error.retryable,
        attempt=stalled,
        error_text=_error_text(error),
        retry_after=requested_wait(error),
        retry_changes=retry_changes,
    )
    log_extra = {"shop": delivery.shop, "delivery": delivery.pk}
    if state == Status.PENDING:
        logger.info("Flow delivery will retry (attempt %s): %s", claim.attempt, type(error).__name__, extra=log_extra)
    elif state == Status.FAILED:
        logger.warning("Flow delivery failed: %s", type(error).__name__, extra=log_extra)
    return state or _current_status(delivery.pk)


def flow_delivery_process_due(*, limit: int = 100) -> int:
    """Process deliveries whose next attempt is due, here and now (for backends that cannot
    defer tasks); return how many were processed."""
    return work_run_due(job=FLOW_DELIVERY, limit=limit)


def flow_delivery_recover_stale() -> dict[str, int]:
    """Deliveries whose worker vanished: back to pending if the flow was not being sent yet,
    ``unconfirmed`` if it was (it may have gone out)."""
    outcomes = work_recover_expired(job=FLOW_DELIVERY)
    return {"requeued": outcomes["requeued"], "unconfirmed": outcomes["unconfirmed"]}


def flow_deliveries_recover() -> dict[str, int]:
    """Both recovery sweeps (the worker's maintenance): deliveries of vanished workers
    (requeued, or unconfirmed when the flow was being sent) and pending ones whose task was
    lost (requeued_overdue); non-zero counts only."""
    return work_requeue_lost(job=FLOW_DELIVERY)


def flow_delivery_resend(*, delivery: FlowDelivery) -> FlowDelivery:
    """Queue a failed, skipped or unconfirmed delivery again (a merchant's or staff's decision)."""
    with transaction.atomic():
        # Resending starts over (the contact may have changed in Ecomdrop meanwhile).
        updated = FlowDelivery.objects.filter(pk=delivery.pk, state__in=RESENDABLE).update(
            contact_id="",
            contact={key: value for key, value in (delivery.contact or {}).items() if key != "progress"},
            state=Status.PENDING,
            skip_reason="",
            hold_reason="",
            reason_detail="",
            guards_bypassed=True,
            next_attempt_at=None,
            attempts=0,
            last_error="",
            updated_at=timezone.now(),
        )
        if not updated:
            raise ApplicationError(
                gettext("Only failed, skipped or unconfirmed deliveries can be sent again."), code="not_resendable"
            )
        _schedule(delivery.pk)
    delivery.refresh_from_db()
    return delivery
