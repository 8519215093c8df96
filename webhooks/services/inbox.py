"""The webhook inbox: storing a verified delivery and running its topic's handler.

Owns: the event's life from delivery to processed, retrying or failed — a job on the
leased-work machine (``WEBHOOK_EVENT`` below: its states, lease, back-off and rule for lost
work). Its own rules: the handler runs inside the transaction that marks the event processed,
holding the row's lock (recovery skips locked rows however long the handler takes); every
failed attempt is kept in ``attempt_errors``; a topic without a handler ends ``ignored``.
Must not hold domain logic (handlers do) nor keep a transaction open across an HTTP call.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from connector.db_rows import insert_instance, rows_values
from connector.shopify.webhooks import WebhookDelivery
from connector.work import (
    Claim,
    Job,
    LostReason,
    Recovery,
    RetryPolicy,
    requested_wait,
    work_claim,
    work_enqueue,
    work_finish,
    work_is_polled,
    work_retry_delay,
    work_retry_or_fail,
    work_state,
)
from webhooks import registry as webhook_registry
from webhooks.models import WebhookEvent

logger = logging.getLogger(__name__)

# An event goes pending → processing → processed. A failed attempt goes to retrying (a task
# is queued for its next_attempt_at) or, out of attempts or not retryable, to failed. Topics
# without a handler end ignored. A worker lost during an attempt: retrying (the attempt is
# recorded as lost) or failed when it was the last. See docs/features.md › Webhooks.

Status = WebhookEvent.Status
WAITING_STATUSES = (Status.PENDING, Status.RETRYING)
FINISHED_STATUSES = (Status.PROCESSED, Status.FAILED, Status.IGNORED)
# A task may start a little before next_attempt_at when worker and web clocks differ.
DUE_TOLERANCE = datetime.timedelta(seconds=2)
MAX_RECORDED_ERRORS = 50
ERROR_TEXT_LIMIT = 4000
ATTEMPT_ERROR_TEXT_LIMIT = 500
INSERT_TRIES = 3
# MySQL/MariaDB: deadlock found, lock wait timeout (both leave nothing written; trying again is safe).
RETRYABLE_INSERT_ERRORS = {1213, 1205}


def _processing_lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.WEBHOOK_PROCESSING_LEASE_SECONDS)


def _retry_policy() -> RetryPolicy:
    return RetryPolicy(
        base_seconds=settings.WEBHOOK_RETRY_BASE_SECONDS,
        max_seconds=settings.WEBHOOK_RETRY_MAX_SECONDS,
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        jitter=0.5,
    )


def _attempt_errors(event: WebhookEvent, entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [*(event.attempt_errors or []), entry][-MAX_RECORDED_ERRORS:]


def _event_lost(event: WebhookEvent, reason: LostReason, now: datetime.datetime) -> Recovery:
    """Lost task: queued again as it is. Lost worker: the attempt is recorded as lost, and the
    event queued again at once, or failed when that was its last attempt."""
    if reason is LostReason.TASK:
        return Recovery("lost_task", {"next_attempt_at": now})
    message = f"The worker stopped during attempt {event.attempts} (killed, or lost its database connection)."
    entry = {"attempt": event.attempts, "at": now.isoformat(), "error": message, "retryable": True}
    changes = {"attempt_errors": _attempt_errors(event, entry), "last_error": message}
    if event.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        return Recovery("failed", {**changes, "state": Status.FAILED, "next_attempt_at": None})
    return Recovery("lost_worker", {**changes, "state": Status.RETRYING, "next_attempt_at": now})


def _process(event_id: int) -> str:
    return webhook_event_process(event_id=event_id)


def _run_claimed(claim: Claim[WebhookEvent]) -> str:
    return webhook_event_run_claimed(claim=claim)


WEBHOOK_EVENT: Job[WebhookEvent] = Job(
    name="webhook_event",
    model=WebhookEvent,
    task="webhooks.tasks.process_webhook_event",
    process=_process,
    waiting_states=WAITING_STATUSES,
    running_states=(Status.PROCESSING,),
    claim_state=Status.PROCESSING,
    retry_state=Status.RETRYING,
    failed_state=Status.FAILED,
    lease=_processing_lease,
    retry=_retry_policy,
    lost=_event_lost,
    due_tolerance=DUE_TOLERANCE,
    lost_task_error="connector.errors.WebhookWorkerLost",
    deferred_fields=("payload",),
    run_claimed=_run_claimed,
    fair_key="shop",
)


def _event_log_extra(event: WebhookEvent) -> dict[str, Any]:
    return {"webhook_event": event.pk, "shop": event.shop, "topic": event.topic}


def webhook_event_receive(*, delivery: WebhookDelivery) -> WebhookEvent | None:
    """Store a verified delivery in the inbox and queue its processing, in one transaction.

    Idempotent per (shop, topic, event id): a repeated delivery, even a concurrent one, stores
    and queues nothing and returns None (the unique constraint decides). A deadlocked insert
    is tried again; other database errors propagate (nothing was stored).
    """
    tries = 1
    while True:
        try:
            event = _webhook_event_store(delivery=delivery)
        except IntegrityError:
            # Written once per process (``connector.db_rows``), as the INSERT: Shopify repeats
            # a delivery it got no timely 200 for, and the ORM built this look-up for each.
            duplicate = rows_values(
                WebhookEvent, ("id",), {"shop": delivery.shop, "topic": delivery.topic, "event_id": delivery.event_id}
            )
            if not duplicate:
                raise
            logger.info(
                "Ignored a repeated webhook delivery",
                extra={"shop": delivery.shop, "topic": delivery.topic, "event_id": delivery.event_id},
            )
            return None
        except OperationalError as error:
            if tries < INSERT_TRIES and error.args and error.args[0] in RETRYABLE_INSERT_ERRORS:
                tries += 1
                continue
            raise
        logger.info("Stored a webhook event", extra=_event_log_extra(event))
        return event


def _stored_payload(delivery: WebhookDelivery) -> dict[str, Any]:
    """The payload as the inbox keeps it: reduced to what the topic's handler uses when
    settings.WEBHOOK_PAYLOAD_REDUCERS names a reducer for it. A reducer that fails keeps the
    whole payload (nothing is lost; the failure is logged without the payload)."""
    reducer = webhook_registry.reducer_for(delivery.topic)
    if reducer is None:
        return delivery.payload
    try:
        return reducer(delivery.payload)
    except Exception as error:  # noqa: BLE001 (a reducer's bug must never lose a delivery)
        logger.error(
            "Storing a webhook payload whole: its reducer failed (%s)",
            type(error).__name__,
            extra={"shop": delivery.shop, "topic": delivery.topic},
        )
        return delivery.payload


def _webhook_event_store(*, delivery: WebhookDelivery) -> WebhookEvent:
    if work_is_polled(WEBHOOK_EVENT):
        # The hot path of every delivery: one INSERT in autocommit (the row is the queue); in
        # a caller's transaction, a savepoint keeps a refused duplicate from breaking it.
        # Written by hand (``connector.db_rows``): the ORM's building of the statement was a
        # third of the intake's CPU.
        if not connection.in_atomic_block:
            return insert_instance(WebhookEvent, _event_columns(delivery))
        with transaction.atomic():
            return insert_instance(WebhookEvent, _event_columns(delivery))
    # Two statements and a commit: on the database queue the task is written first and the
    # event inserted with its id (the task finds it by that id).
    with transaction.atomic():
        task_id = work_enqueue(job=WEBHOOK_EVENT)
        event = WebhookEvent.objects.create(**_event_columns(delivery), task_id=task_id)
        if task_id is None:
            work_enqueue(job=WEBHOOK_EVENT, pk=event.pk)  # an inline backend: run after the commit
    return event


def _event_columns(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "shop": delivery.shop,
        "topic": delivery.topic,
        "event_id": delivery.event_id,
        "webhook_id": delivery.webhook_id,
        "api_version": delivery.api_version,
        "triggered_at": delivery.triggered_at,
        "payload": _stored_payload(delivery),
        "state": Status.PENDING,
        "next_attempt_at": timezone.now(),
    }


def webhook_retry_delay(*, attempt: int, error: BaseException | None = None) -> datetime.timedelta:
    """How long to wait after failed attempt number ``attempt``: exponential from
    WEBHOOK_RETRY_BASE_SECONDS, capped at WEBHOOK_RETRY_MAX_SECONDS, with "equal jitter" (a
    random half) so that events failing together do not retry together. A longer wait the
    error asks for (``wait_seconds``, e.g. Shopify throttling) is respected, clamped."""
    asked = None if error is None else requested_wait(error)
    return work_retry_delay(policy=_retry_policy(), attempt=attempt, retry_after=asked)


def _describe_error(error: BaseException) -> tuple[str, str]:
    """(one line for the attempt list, full text for last_error). Typed errors say what
    happened; anything else is a bug, so its traceback is kept (on the row, never in logs)."""
    summary = f"{type(error).__name__}: {error}"
    if hasattr(error, "retryable"):
        return summary[:ATTEMPT_ERROR_TEXT_LIMIT], summary[:ERROR_TEXT_LIMIT]
    detail = "".join(traceback.format_exception(error))
    return summary[:ATTEMPT_ERROR_TEXT_LIMIT], detail[-ERROR_TEXT_LIMIT:]


def _event_info(event: WebhookEvent, *, attempt: int) -> webhook_registry.WebhookEventInfo:
    return webhook_registry.WebhookEventInfo(
        id=event.pk,
        topic=event.topic,
        shop=event.shop,
        event_id=event.event_id,
        webhook_id=event.webhook_id,
        api_version=event.api_version,
        triggered_at=event.triggered_at,
        received_at=event.created_at,
        attempt=attempt,
    )


def _current_status(event_id: int) -> str:
    return work_state(job=WEBHOOK_EVENT, pk=event_id, default="missing")


def _claim_of(event: WebhookEvent) -> Claim[WebhookEvent]:
    """The claim an event read right after ``work_claim`` stands for (it carries the owner)."""
    return Claim(job=WEBHOOK_EVENT, row=event, owner=event.lease_owner)


def webhook_event_process(*, event_id: int) -> str:
    """Run the topic handler of one stored event; returns the event's status afterwards.

    1. Claim (the machine's conditional UPDATE): only a pending or retrying event that is due
       and not leased; attempts + 1, status processing, a lease of
       WEBHOOK_PROCESSING_LEASE_SECONDS. A topic without a handler is marked ignored instead.
    1b. Confirm (no transaction open): a topic with a confirmation (settings
       .WEBHOOK_CONFIRMATIONS) asks it whether to act; False marks the event ignored.
    2. Handle (one transaction): mark the event processed — the UPDATE checks that the claim
       is still ours and locks the row — then run the handler. Handler writes and "processed"
       commit together, and the held lock keeps recovery away however long the handler runs.
    3. On any exception: the handler's writes roll back and the failure is recorded on the row
       (``_webhook_event_record_failure``). Nothing propagates to the task runner.
    Calling it for an event that is not due, already processed or being processed changes
    nothing, so duplicate tasks are harmless.
    """
    claim = _webhook_event_claim(event_id=event_id)
    if isinstance(claim, str):
        return claim
    event, handler, attempt = claim
    return _webhook_event_confirm_and_handle(event=event, handler=handler, attempt=attempt)


def webhook_event_run_claimed(*, claim: Claim[WebhookEvent]) -> str:
    """Steps 1b–3 of ``webhook_event_process`` for an event the worker claimed in a batch
    (polled: ``connector.work.polled``). A topic without a handler ends ignored."""
    event = claim.row
    handler = webhook_registry.handler_for(event.topic)
    if handler is None:
        if work_finish(claim, state=Status.IGNORED, next_attempt_at=None, last_error=""):
            logger.info("No handler for this webhook topic; event ignored", extra=_event_log_extra(event))
        return _current_status(event.pk)
    return _webhook_event_confirm_and_handle(event=event, handler=handler, attempt=claim.attempt)


def _webhook_event_confirm_and_handle(
    *, event: WebhookEvent, handler: webhook_registry.WebhookHandler, attempt: int
) -> str:
    refused = _webhook_event_confirm(event=event, attempt=attempt)
    if refused is not None:
        return refused
    return _webhook_event_handle(event=event, handler=handler, attempt=attempt)


def _webhook_event_claim(*, event_id: int) -> str | tuple[WebhookEvent, webhook_registry.WebhookHandler, int]:
    """Step 1 of processing: the claimed (event, handler, attempt), or the status to report."""
    topic = WebhookEvent.objects.filter(pk=event_id).values_list("topic", flat=True).first()
    if topic is None:
        return "missing"
    handler = webhook_registry.handler_for(topic)
    if handler is None:
        ignored = WebhookEvent.objects.filter(pk=event_id, state__in=WAITING_STATUSES, lease_owner="").update(
            state=Status.IGNORED, next_attempt_at=None, lease_until=None, updated_at=timezone.now()
        )
        if ignored:
            logger.info(
                "No handler for this webhook topic; event ignored",
                extra={"webhook_event": event_id, "topic": topic},
            )
        return _current_status(event_id)
    claimed = work_claim(job=WEBHOOK_EVENT, pk=event_id)
    if claimed is None:
        return _current_status(event_id)
    return claimed.row, handler, claimed.attempt


def _webhook_event_confirm(*, event: WebhookEvent, attempt: int) -> str | None:
    """Step 1b of processing: None when the event may go to its handler, else the status to
    report (ignored, or the failed attempt's)."""
    confirmation = webhook_registry.confirmation_for(event.topic)
    if confirmation is None:
        return None
    try:
        confirmed = confirmation(shop=event.shop, payload=event.payload, event=_event_info(event, attempt=attempt))
    except Exception as error:  # noqa: BLE001 (recorded on the row like a handler failure, then retried or failed)
        return _webhook_event_record_failure(event=event, attempt=attempt, error=error)
    if confirmed:
        return None
    if not work_finish(_claim_of(event), state=Status.IGNORED, next_attempt_at=None, last_error=""):
        return _current_status(event.pk)
    logger.info("Webhook event not confirmed; ignored", extra=_event_log_extra(event) | {"attempt": attempt})
    return Status.IGNORED


def _webhook_event_handle(*, event: WebhookEvent, handler: webhook_registry.WebhookHandler, attempt: int) -> str:
    """Steps 2 and 3 of processing (see ``webhook_event_process``)."""
    claim = _claim_of(event)
    try:
        with transaction.atomic():
            # Marked processed first: the same UPDATE checks that the claim is still ours and
            # locks the row until the handler's writes commit with it (or roll back with it).
            if not work_finish(
                claim, state=Status.PROCESSED, processed_at=timezone.now(), next_attempt_at=None, last_error=""
            ):
                # Recovered, retried or ignored by someone else since the claim.
                return _current_status(event.pk)
            handler(shop=event.shop, payload=event.payload, event=_event_info(event, attempt=attempt))
    except Exception as error:  # noqa: BLE001 (every handler failure is recorded on the row, then retried or failed)
        return _webhook_event_record_failure(event=event, attempt=attempt, error=error)
    logger.info("Processed a webhook event", extra=_event_log_extra(event) | {"attempt": attempt})
    return Status.PROCESSED


def _webhook_event_record_failure(*, event: WebhookEvent, attempt: int, error: BaseException) -> str:
    """Record a failed attempt; queue the next one (with back-off) or fail the event."""
    retryable = bool(getattr(error, "retryable", True))
    summary, detail = _describe_error(error)
    claim = _claim_of(event)
    with transaction.atomic():
        current = (
            WebhookEvent.objects.select_for_update()
            .filter(pk=event.pk, state=Status.PROCESSING, lease_owner=claim.owner)
            .only("pk", "attempt_errors")
            .first()
        )
        if current is None:
            return _current_status(event.pk)
        entry = {"attempt": attempt, "at": timezone.now().isoformat(), "error": summary, "retryable": retryable}
        errors = {"attempt_errors": _attempt_errors(current, entry)}
        state = work_retry_or_fail(
            claim,
            retryable=retryable,
            attempt=attempt,
            error_text=detail,
            retry_after=requested_wait(error),
            retry_changes=errors,
            fail_changes=errors,
        )
    if state is None:
        return _current_status(event.pk)
    logger.warning(
        "Webhook handler failed (%s, attempt %d of %d): %s",
        type(error).__name__,
        attempt,
        settings.WEBHOOK_MAX_ATTEMPTS,
        state,
        extra=_event_log_extra(event),
    )
    return state
