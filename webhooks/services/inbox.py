"""The webhook inbox: storing a verified delivery and running its topic's handler.

Owns: the event's life from delivery to processed, retrying or failed (claim with a lease,
the handler in the same transaction as "processed", failures recorded on the row, back-off
with jitter). Must not hold domain logic (handlers do) nor keep a transaction open across an
HTTP call.
"""

from __future__ import annotations

import datetime
import logging
import random
import traceback
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from connector import task_queue
from connector.shopify.webhooks import WebhookDelivery
from webhooks import registry as webhook_registry
from webhooks.models import WebhookEvent

logger = logging.getLogger(__name__)

# An event goes pending → processing → processed. A failed attempt goes to retrying (a task
# is queued for its next_attempt_at) or, out of attempts or not retryable, to failed. Topics
# without a handler end ignored. See docs/features.md › Webhooks.

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


def _queue_is_database() -> bool:
    from webhooks.tasks import process_webhook_event

    return task_queue.queue_is_database(process_webhook_event)


def _queue_processing(*, run_after: datetime.datetime | None = None) -> uuid.UUID | None:
    """Queue a processing task on the database queue, in the caller's transaction, and return
    its id for the caller to store as the event's ``task_id`` (event and task then commit or
    vanish together). None when the queue is not the database (see ``_process_after_commit``)."""
    from webhooks.tasks import process_webhook_event

    if not _queue_is_database():
        return None
    task = process_webhook_event.using(run_after=run_after) if run_after is not None else process_webhook_event
    return uuid.UUID(str(task.enqueue().id))


def _process_after_commit(*, event_id: int) -> None:
    """Inline backends (immediate, dummy) run the task once the event is committed. They cannot
    defer, so retries wait for a database-backed worker."""
    from webhooks.tasks import process_webhook_event

    transaction.on_commit(lambda: process_webhook_event.enqueue(event_id=event_id), robust=True)


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
            duplicate = WebhookEvent.objects.filter(
                shop=delivery.shop, topic=delivery.topic, event_id=delivery.event_id
            ).exists()
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


def _webhook_event_store(*, delivery: WebhookDelivery) -> WebhookEvent:
    # Two statements and a commit: the hot path of every delivery.
    with transaction.atomic():
        task_id = _queue_processing()
        event = WebhookEvent.objects.create(
            shop=delivery.shop,
            topic=delivery.topic,
            event_id=delivery.event_id,
            webhook_id=delivery.webhook_id,
            api_version=delivery.api_version,
            triggered_at=delivery.triggered_at,
            payload=delivery.payload,
            status=Status.PENDING,
            next_attempt_at=timezone.now(),
            task_id=task_id,
        )
        if task_id is None:
            _process_after_commit(event_id=event.pk)
    return event


def webhook_retry_delay(*, attempt: int, error: BaseException | None = None) -> datetime.timedelta:
    """How long to wait after failed attempt number ``attempt``: exponential from
    WEBHOOK_RETRY_BASE_SECONDS, capped at WEBHOOK_RETRY_MAX_SECONDS, with "equal jitter" (a
    random half) so that events failing together do not retry together. A longer wait the
    error asks for (``wait_seconds``, e.g. Shopify throttling) is respected up to the cap."""
    cap = settings.WEBHOOK_RETRY_MAX_SECONDS
    ceiling = min(cap, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(attempt - 1, 30))
    seconds = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not security)
    hint = getattr(error, "wait_seconds", None)
    if isinstance(hint, (int, float)) and hint > seconds:
        seconds = min(float(hint), cap)
    return datetime.timedelta(seconds=seconds)


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
    status = WebhookEvent.objects.filter(pk=event_id).values_list("status", flat=True).first()
    return status or "missing"


def webhook_event_process(*, event_id: int) -> str:
    """Run the topic handler of one stored event; returns the event's status afterwards.

    1. Claim (short transaction, row locked): only a pending or retrying event that is due;
       attempts + 1, status processing, a lease of WEBHOOK_PROCESSING_LEASE_SECONDS. A topic
       without a handler is marked ignored instead.
    1b. Confirm (no transaction open): a topic with a confirmation (settings
       .WEBHOOK_CONFIRMATIONS) asks it whether to act; False marks the event ignored.
    2. Handle (second transaction): lock the row again, check the claim is still ours, run the
       handler and mark the event processed. Handler writes and "processed" commit together,
       and the held lock keeps recovery away however long the handler runs.
    3. On any exception: the handler's writes roll back and the failure is recorded on the row
       (``_webhook_event_record_failure``). Nothing propagates to the task runner.
    Calling it for an event that is not due, already processed or being processed changes
    nothing, so duplicate tasks are harmless.
    """
    claim = _webhook_event_claim(event_id=event_id)
    if isinstance(claim, str):
        return claim
    event, handler, attempt = claim
    refused = _webhook_event_confirm(event=event, attempt=attempt)
    if refused is not None:
        return refused
    return _webhook_event_handle(event=event, handler=handler, attempt=attempt)


def _webhook_event_claim(*, event_id: int) -> str | tuple[WebhookEvent, webhook_registry.WebhookHandler, int]:
    """Step 1 of processing: the claimed (event, handler, attempt), or the status to report."""
    now = timezone.now()
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return "missing"
        if event.status not in WAITING_STATUSES:
            return event.status
        if event.next_attempt_at is not None and event.next_attempt_at > now + DUE_TOLERANCE:
            return event.status
        handler = webhook_registry.handler_for(event.topic)
        if handler is None:
            WebhookEvent.objects.filter(pk=event.pk).update(
                status=Status.IGNORED, next_attempt_at=None, locked_until=None, updated_at=now
            )
            logger.info("No handler for this webhook topic; event ignored", extra=_event_log_extra(event))
            return Status.IGNORED
        attempt = event.attempts + 1
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=Status.PROCESSING, attempts=attempt, locked_until=now + _processing_lease(), updated_at=now
        )
    return event, handler, attempt


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
    now = timezone.now()
    ignored = WebhookEvent.objects.filter(pk=event.pk, status=Status.PROCESSING, attempts=attempt).update(
        status=Status.IGNORED, next_attempt_at=None, locked_until=None, last_error="", updated_at=now
    )
    if not ignored:
        return _current_status(event.pk)
    logger.info("Webhook event not confirmed; ignored", extra=_event_log_extra(event) | {"attempt": attempt})
    return Status.IGNORED


def _webhook_event_handle(*, event: WebhookEvent, handler: webhook_registry.WebhookHandler, attempt: int) -> str:
    """Steps 2 and 3 of processing (see ``webhook_event_process``)."""
    try:
        with transaction.atomic():
            claimed = WebhookEvent.objects.select_for_update().filter(
                pk=event.pk, status=Status.PROCESSING, attempts=attempt
            )
            if not list(claimed.values_list("pk", flat=True)):
                # Recovered, retried or ignored by someone else since the claim.
                return _current_status(event.pk)
            handler(shop=event.shop, payload=event.payload, event=_event_info(event, attempt=attempt))
            finished = timezone.now()
            WebhookEvent.objects.filter(pk=event.pk).update(
                status=Status.PROCESSED,
                processed_at=finished,
                next_attempt_at=None,
                locked_until=None,
                last_error="",
                updated_at=finished,
            )
    except Exception as error:  # noqa: BLE001 (every handler failure is recorded on the row, then retried or failed)
        return _webhook_event_record_failure(event=event, attempt=attempt, error=error)
    logger.info("Processed a webhook event", extra=_event_log_extra(event) | {"attempt": attempt})
    return Status.PROCESSED


def _webhook_event_record_failure(*, event: WebhookEvent, attempt: int, error: BaseException) -> str:
    """Record a failed attempt; queue the next one (with back-off) or fail the event."""
    retryable = bool(getattr(error, "retryable", True))
    summary, detail = _describe_error(error)
    now = timezone.now()
    with transaction.atomic():
        current = (
            WebhookEvent.objects.select_for_update()
            .filter(pk=event.pk, status=Status.PROCESSING, attempts=attempt)
            .only("pk", "attempt_errors")
            .first()
        )
        if current is None:
            return _current_status(event.pk)
        entry = {"attempt": attempt, "at": now.isoformat(), "error": summary, "retryable": retryable}
        updates: dict[str, Any] = {
            "attempt_errors": [*(current.attempt_errors or []), entry][-MAX_RECORDED_ERRORS:],
            "last_error": detail,
            "locked_until": None,
            "updated_at": now,
        }
        if retryable and attempt < settings.WEBHOOK_MAX_ATTEMPTS:
            due = now + webhook_retry_delay(attempt=attempt, error=error)
            updates |= {"status": Status.RETRYING, "next_attempt_at": due, "task_id": _queue_processing(run_after=due)}
        else:
            updates |= {"status": Status.FAILED, "next_attempt_at": None}
        WebhookEvent.objects.filter(pk=event.pk).update(**updates)
    logger.warning(
        "Webhook handler failed (%s, attempt %d of %d): %s",
        type(error).__name__,
        attempt,
        settings.WEBHOOK_MAX_ATTEMPTS,
        updates["status"],
        extra=_event_log_extra(event),
    )
    status: str = updates["status"]
    return status
