"""Putting webhook events back on track: worker recovery, staff retry and ignore, pruning.

Owns: finding events a dead worker or a lost task left behind and queueing them again, the
admin's retry and ignore actions, and deleting old finished events in batches. Must not run
handlers (the inbox does).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connector import task_queue
from webhooks.models import WebhookEvent
from webhooks.services.inbox import (
    FINISHED_STATUSES,
    MAX_RECORDED_ERRORS,
    WAITING_STATUSES,
    Status,
    _event_log_extra,
    _process_after_commit,
    _processing_lease,
    _queue_is_database,
    _queue_processing,
)

logger = logging.getLogger(__name__)


@dataclass
class RecoverySummary:
    lost_workers: int = 0  # events whose worker stopped during an attempt
    lost_tasks: int = 0  # waiting events whose queued task was gone or dead
    failed: int = 0  # of the lost-worker events, those out of attempts

    def __bool__(self) -> bool:
        return bool(self.lost_workers or self.lost_tasks)


WORKER_LOST_TRACEBACK = (
    "The worker running this task stopped (killed, or it lost its database connection) before it "
    "finished; connector recovery queued the webhook event again."
)


def _fail_orphaned_tasks(task_ids: list[uuid.UUID | None], *, now: datetime.datetime) -> None:
    task_queue.fail_orphaned_tasks(
        task_ids, now=now, exception_path="connector.errors.WebhookWorkerLost", explanation=WORKER_LOST_TRACEBACK
    )


def webhook_events_recover(*, batch_size: int = 200) -> RecoverySummary:
    """Queue again the events a worker lost; run periodically by every ``manage.py worker``.

    - processing past its lease and not locked by a live handler transaction (the worker was
      killed, or crashed before recording the outcome): the attempt is recorded as lost and
      the event queued at once, or failed when out of attempts;
    - pending or retrying for longer than the lease past its due time, whose task is missing,
      finished, or "running" on a dead worker (killed between taking the task and claiming
      the event): queued again. A task still waiting in the queue means the queue is behind,
      not lost, and is left alone.
    Rows are taken with SKIP LOCKED, so several workers may run this at once. Does nothing
    unless the queue is the database backend.
    """
    summary = RecoverySummary()
    if not _queue_is_database():
        return summary
    now = timezone.now()
    _recover_lost_workers(summary, now=now, batch_size=batch_size)
    _requeue_lost_tasks(summary, now=now, batch_size=batch_size)
    return summary


def _recover_lost_workers(summary: RecoverySummary, *, now: datetime.datetime, batch_size: int) -> None:
    """Events processing past their lease: the attempt is recorded as lost, the event queued
    again at once or failed when out of attempts."""
    with transaction.atomic():
        stale = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PROCESSING, locked_until__lt=now)
            .only("pk", "shop", "topic", "attempts", "attempt_errors", "task_id")[:batch_size]
        )
        for event in stale:
            message = f"The worker stopped during attempt {event.attempts} (killed, or lost its database connection)."
            entry = {"attempt": event.attempts, "at": now.isoformat(), "error": message, "retryable": True}
            updates: dict[str, Any] = {
                "attempt_errors": [*(event.attempt_errors or []), entry][-MAX_RECORDED_ERRORS:],
                "last_error": message,
                "locked_until": None,
                "updated_at": now,
            }
            _fail_orphaned_tasks([event.task_id], now=now)
            if event.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                updates |= {"status": Status.FAILED, "next_attempt_at": None}
                summary.failed += 1
            else:
                updates |= {"status": Status.RETRYING, "next_attempt_at": now, "task_id": _queue_processing()}
            WebhookEvent.objects.filter(pk=event.pk).update(**updates)
            summary.lost_workers += 1
            logger.warning("Recovered a webhook event from a stopped worker", extra=_event_log_extra(event))


def _requeue_lost_tasks(summary: RecoverySummary, *, now: datetime.datetime, batch_size: int) -> None:
    """Waiting events overdue by more than the lease whose task is gone or dead: queued again."""
    lease = _processing_lease()
    with transaction.atomic():
        overdue = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(status__in=WAITING_STATUSES, next_attempt_at__lt=now - lease)
            .order_by("status", "next_attempt_at")
            .only("pk", "shop", "topic", "task_id")[:batch_size]
        )
        live = task_queue.live_task_ids((event.task_id for event in overdue), now=now, lease=lease)
        lost = [event for event in overdue if event.task_id not in live]
        _fail_orphaned_tasks([event.task_id for event in lost], now=now)
        for event in lost:
            WebhookEvent.objects.filter(pk=event.pk).update(
                next_attempt_at=now, task_id=_queue_processing(), updated_at=now
            )
            summary.lost_tasks += 1
            logger.warning("Queued a webhook event again: its task was lost", extra=_event_log_extra(event))


def webhook_events_retry(*, event_ids: Sequence[int]) -> int:
    """Queue failed, ignored or waiting-to-retry events for processing now; returns how many.

    A failed or ignored event starts a new series of attempts (its recorded errors are kept);
    a retrying one keeps its count and simply stops waiting. Pending, processing and processed
    events are left alone.
    """
    now = timezone.now()
    queued = 0
    with transaction.atomic():
        events = list(
            WebhookEvent.objects.select_for_update()
            .filter(pk__in=list(event_ids), status__in=(Status.FAILED, Status.IGNORED, Status.RETRYING))
            .only("pk", "status")
        )
        for event in events:
            task_id = _queue_processing()
            updates: dict[str, Any] = {
                "status": Status.PENDING,
                "next_attempt_at": now,
                "locked_until": None,
                "task_id": task_id,
                "updated_at": now,
            }
            if event.status != Status.RETRYING:
                updates["attempts"] = 0
            WebhookEvent.objects.filter(pk=event.pk).update(**updates)
            if task_id is None:
                _process_after_commit(event_id=event.pk)
            queued += 1
    return queued


def webhook_events_ignore(*, event_ids: Sequence[int]) -> int:
    """Mark pending, retrying or failed events ignored (they will not be processed); returns
    how many. Events being processed or already finished are left alone."""
    return WebhookEvent.objects.filter(
        pk__in=list(event_ids), status__in=(Status.PENDING, Status.RETRYING, Status.FAILED)
    ).update(status=Status.IGNORED, next_attempt_at=None, locked_until=None, updated_at=timezone.now())


def webhook_events_prune(*, older_than: datetime.timedelta, batch_size: int = 1000, dry_run: bool = False) -> int:
    """Delete finished events (processed, failed, ignored) received more than ``older_than``
    ago; returns how many (or would be, with ``dry_run``).

    Batches of ``batch_size`` rows, each its own short DELETE by primary key, walking the
    table in id order up to the newest id old enough, so the scan never leaves the old part of
    a big table. Events still waiting or being processed are kept whatever their age.
    """
    cutoff = timezone.now() - older_than
    old = WebhookEvent.objects.filter(created_at__lt=cutoff)
    newest_old_id = old.order_by("-created_at").values_list("pk", flat=True).first()
    if newest_old_id is None:
        return 0
    finished = WebhookEvent.objects.filter(
        pk__lte=newest_old_id, created_at__lt=cutoff, status__in=FINISHED_STATUSES
    ).order_by("pk")
    if dry_run:
        return finished.count()
    deleted = 0
    last_id = 0
    while True:
        ids = list(finished.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        last_id = ids[-1]
        count, _ = WebhookEvent.objects.filter(pk__in=ids).delete()
        deleted += count
