"""Finding lost work and putting it back on track.

Owns: the two sweeps every job gets from the worker's maintenance (settings.WORKER_MAINTENANCE
names one function per job, each calling ``work_requeue_lost``) and the single-row test behind
them. Must not decide what happens to a lost row: the job's ``lost`` rule does (queue it
again, or end it, e.g. "unconfirmed" when a vendor call may have gone out).

- Expired leases: rows in a running state whose lease ran out (or, for rows written before
  leases existed, that have had none and not moved for a whole lease). Rows locked by a live
  transaction are skipped (SKIP LOCKED), so a worker still holding its row is never robbed.
- Lost tasks: rows waiting, overdue by more than a lease and not leased, whose task is missing,
  finished, or "running" on a worker that died. A task still waiting in the queue means the
  queue is behind, not lost, and is left alone (a backlog never multiplies its tasks). Only on
  the database queue, the only one that can be inspected.
Several workers may sweep at once: rows are taken with SKIP LOCKED and changed in the same
transaction; new tasks commit with them.
"""

from __future__ import annotations

import collections
import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from connector import task_queue
from connector.work.jobs import Job, LostReason, Row
from connector.work.leases import rows_of
from connector.work.queue import work_queue_is_database, work_schedule, work_wake_turn

logger = logging.getLogger(__name__)

LOST_TASK_EXPLANATION = (
    "The worker running this task stopped before it finished (killed, or it lost its database "
    "connection); recovery applied its job's rule for lost work."
)


def _expired(job: Job[Any], now: datetime.datetime) -> Q:
    expired = Q(lease_until__lt=now)
    only_running = [state for state in job.running_states if state not in job.waiting_states]
    if only_running:
        expired |= Q(lease_until__isnull=True, updated_at__lt=now - job.lease(), state__in=only_running)
    return Q(state__in=list(job.running_states)) & expired


def _overdue(job: Job[Any], now: datetime.datetime) -> Q:
    cutoff = now - job.lease()
    return (
        Q(state__in=list(job.waiting_states))
        & (Q(next_attempt_at__lt=cutoff) | Q(next_attempt_at__isnull=True, updated_at__lt=cutoff))
        & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    )


def _locked(job: Job[Row], condition: Q, batch_size: int) -> list[Row]:
    rows: QuerySet[Row] = rows_of(job).select_for_update(skip_locked=True).filter(condition)
    if job.deferred_fields:
        rows = rows.defer(*job.deferred_fields)
    return list(rows.order_by("pk")[:batch_size])


def _recover(job: Job[Row], row: Row, reason: LostReason, now: datetime.datetime) -> str:
    """Apply the job's rule to one locked lost row; queue it again when it is left waiting."""
    recovery = job.lost(row, reason, now)
    task_queue.fail_orphaned_tasks(
        [row.task_id], now=now, exception_path=job.lost_task_error, explanation=LOST_TASK_EXPLANATION
    )
    updates: dict[str, Any] = {"lease_owner": "", "lease_until": None, "updated_at": now, **recovery.changes}
    rows_of(job).filter(pk=row.pk).update(**updates)
    if updates.get("state", row.state) in job.waiting_states:
        work_schedule(job=job, pk=row.pk)
    elif updates.get("state", row.state) not in job.running_states:
        work_wake_turn(job=job, pk=row.pk)  # it ended: the next row of its key may run
    logger.warning(
        "Recovered lost work (%s, %s): %s", job.name, reason, recovery.outcome, extra={"job": job.name, "row": row.pk}
    )
    return recovery.outcome


def work_recover_expired(*, job: Job[Row], batch_size: int = 200) -> collections.Counter[str]:
    """Apply the job's ``lost`` rule to rows whose lease ran out; counts by outcome. Works on
    every backend (an inline one runs what is queued again after the commit)."""
    now = timezone.now()
    outcomes: collections.Counter[str] = collections.Counter()
    with transaction.atomic():
        for row in _locked(job, _expired(job, now), batch_size):
            outcomes[_recover(job, row, LostReason.LEASE, now)] += 1
    return outcomes


def work_requeue_lost_tasks(*, job: Job[Row], batch_size: int = 200) -> collections.Counter[str]:
    """Apply the job's ``lost`` rule to waiting rows whose task was lost; counts by outcome.
    Nothing unless the job's task goes to the database queue."""
    outcomes: collections.Counter[str] = collections.Counter()
    if not work_queue_is_database(job=job):
        return outcomes
    now = timezone.now()
    with transaction.atomic():
        overdue = _locked(job, _overdue(job, now), batch_size)
        live = task_queue.live_task_ids((row.task_id for row in overdue), now=now, lease=job.lease())
        for row in overdue:
            if row.task_id not in live:
                outcomes[_recover(job, row, LostReason.TASK, now)] += 1
    return outcomes


def work_requeue_lost(*, job: Job[Row], batch_size: int = 200) -> dict[str, int]:
    """Both sweeps for one job (what the worker's maintenance runs); non-zero counts by outcome."""
    outcomes = work_recover_expired(job=job, batch_size=batch_size)
    outcomes.update(work_requeue_lost_tasks(job=job, batch_size=batch_size))
    return {outcome: count for outcome, count in outcomes.items() if count}


def work_is_lost(*, job: Job[Row], row: Row) -> bool:
    """Whether ``row`` (as read) is lost work the sweep would recover: for pages that must not
    show it as running while it waits for the next sweep."""
    now = timezone.now()
    rows = rows_of(job).filter(pk=row.pk)
    if rows.filter(_expired(job, now)).exists():
        return True
    if not rows.filter(_overdue(job, now)).exists():
        return False
    if not work_queue_is_database(job=job):
        return True
    return row.task_id not in task_queue.live_task_ids([row.task_id], now=now, lease=job.lease())
