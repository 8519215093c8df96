"""Putting webhook events back on track: worker recovery, staff retry and ignore, pruning.

Owns: finding events a dead worker or a lost task left behind and queueing them again, the
admin's retry and ignore actions, and deleting old finished events in batches. Must not run
handlers (the inbox does).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from connector.work import work_queue_is_database, work_recover_expired, work_requeue_lost_tasks, work_schedule
from webhooks.models import WebhookEvent
from webhooks.services.inbox import FINISHED_STATUSES, WEBHOOK_EVENT, Status

logger = logging.getLogger(__name__)


@dataclass
class RecoverySummary:
    lost_workers: int = 0  # events whose worker stopped during an attempt
    lost_tasks: int = 0  # waiting events whose queued task was gone or dead
    failed: int = 0  # of the lost-worker events, those out of attempts

    def __bool__(self) -> bool:
        return bool(self.lost_workers or self.lost_tasks)


def webhook_events_recover(*, batch_size: int = 200) -> RecoverySummary:
    """Queue again the events a worker lost; run periodically by every ``manage.py worker``.

    The leased-work machine's two sweeps with the inbox's rule (``inbox._event_lost``):
    - processing past its lease and not locked by a live handler transaction (the worker was
      killed, or crashed before recording the outcome): the attempt is recorded as lost and
      the event queued at once, or failed when out of attempts;
    - pending or retrying for longer than the lease past its due time, whose task is missing,
      finished, or "running" on a dead worker (killed between taking the task and claiming
      the event): queued again. A task still waiting in the queue means the queue is behind,
      not lost, and is left alone.
    Several workers may run this at once. Does nothing unless the queue is the database
    backend (an inline backend runs events in the request's process, which owns them).
    """
    summary = RecoverySummary()
    if not work_queue_is_database(job=WEBHOOK_EVENT):
        return summary
    outcomes = work_recover_expired(job=WEBHOOK_EVENT, batch_size=batch_size)
    outcomes.update(work_requeue_lost_tasks(job=WEBHOOK_EVENT, batch_size=batch_size))
    summary.failed = outcomes["failed"]
    summary.lost_workers = outcomes["lost_worker"] + summary.failed
    summary.lost_tasks = outcomes["lost_task"]
    return summary


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
            .filter(pk__in=list(event_ids), state__in=(Status.FAILED, Status.IGNORED, Status.RETRYING))
            .only("pk", "state")
        )
        for event in events:
            updates: dict[str, Any] = {
                "state": Status.PENDING,
                "next_attempt_at": now,
                "lease_owner": "",
                "lease_until": None,
                "updated_at": now,
            }
            if event.state != Status.RETRYING:
                updates["attempts"] = 0
            WebhookEvent.objects.filter(pk=event.pk).update(**updates)
            work_schedule(job=WEBHOOK_EVENT, pk=event.pk)
            queued += 1
    return queued


def webhook_events_ignore(*, event_ids: Sequence[int]) -> int:
    """Mark pending, retrying or failed events ignored (they will not be processed); returns
    how many. Events being processed or already finished are left alone."""
    return WebhookEvent.objects.filter(
        pk__in=list(event_ids), state__in=(Status.PENDING, Status.RETRYING, Status.FAILED)
    ).update(state=Status.IGNORED, next_attempt_at=None, lease_until=None, updated_at=timezone.now())


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
        pk__lte=newest_old_id, created_at__lt=cutoff, state__in=FINISHED_STATUSES
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
