"""Getting a row of work run: enqueue, schedule, and the body of every job's task.

Owns: queueing one run of a job for a row on the configured task backend, remembering the task
on the row, the checks a job's task makes before it processes its row, and running due rows
inline for backends that cannot defer. Must not know any job (they are passed in).

- Database queue (django-tasks-db): the task is written in the caller's transaction and its id
  stored on the row, so row and task commit or vanish together; ``run_after`` defers it.
- Any other backend: the task is enqueued once the caller's transaction commits (an inline
  backend runs it then, never inside the transaction). A backend that cannot defer is given
  nothing for a later run: the row waits for its due time (``work_run_due``), or, for a job
  that ``wait_inline``, for the running task to reach it.
- A polled job on the database queue (``connector.work.polled``): nothing is enqueued; the
  row, waiting and due, is what the worker claims.
"""

from __future__ import annotations

import datetime
import time
import uuid
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskContext
from django_tasks.base import Task

from connector import task_queue
from connector.work.jobs import Job, Row
from connector.work.leases import rows_of
from connector.work.polled import work_is_polled
from connector.work.turns import turn_next, turn_waiting_q

SUPERSEDED = "superseded"


def _task(job: Job[Any]) -> Task[Any, Any]:
    task: Task[Any, Any] = import_string(job.task)
    return task


def work_queue_is_database(*, job: Job[Any]) -> bool:
    """Whether the job's task goes to the database queue (the only one recovery can inspect)."""
    return task_queue.queue_is_database(_task(job))


def work_enqueue(
    *, job: Job[Any], pk: int | None = None, run_after: datetime.datetime | None = None
) -> uuid.UUID | None:
    """Queue one run of ``job`` for row ``pk``; return the task id the caller stores on the row.

    Database queue: enqueued now, in the caller's transaction. Without ``pk`` the task carries
    no argument and finds its row by that id (a row inserted with it, in the same transaction).
    Other backends: enqueued after the commit and None is returned; nothing happens without
    ``pk``, or with ``run_after`` on a backend that cannot defer.
    """
    if work_is_polled(job):
        return None  # its waiting, due rows are the queue (connector.work.polled)
    task = _task(job)
    arguments = () if pk is None else (pk,)
    if task_queue.queue_is_database(task):
        if run_after is not None:
            task = task.using(run_after=run_after)
        return uuid.UUID(str(task.enqueue(*arguments).id))
    if pk is None or (run_after is not None and not task.get_backend().supports_defer):
        return None
    if run_after is not None:
        task = task.using(run_after=run_after)
    transaction.on_commit(partial(task.enqueue, *arguments), robust=True)
    return None


def work_schedule(*, job: Job[Any], pk: int, run_after: datetime.datetime | None = None) -> None:
    """Queue one run of ``job`` for row ``pk`` (see ``work_enqueue``) and store its task id on
    the row, both in one transaction: a worker never sees the task before the row names it.
    A polled job's row needs nothing more: waiting and due, it is queued."""
    if work_is_polled(job):
        return
    with transaction.atomic():
        task_id = work_enqueue(job=job, pk=pk, run_after=run_after)
        if task_id is not None:
            rows_of(job).filter(pk=pk).update(task_id=task_id)


def work_task_run(*, job: Job[Any], pk: int | None, context: TaskContext) -> str:
    """The body of a job's task: process its row unless the task was replaced.

    On the database queue a task whose id is no longer the row's (a retry, recovery or staff
    queued another since) returns "superseded" and does nothing; a task without ``pk`` finds
    its row by its own id. Otherwise the row is processed (a claim inside ``job.process``
    makes a duplicate harmless) and its state returned.
    """
    result = context.task_result
    if task_queue.queue_is_database(result.task):
        own_id = uuid.UUID(str(result.id))
        rows = rows_of(job)
        found = (rows.filter(task_id=own_id) if pk is None else rows.filter(pk=pk)).values_list("pk", "task_id").first()
        if found is None and pk is None:
            return SUPERSEDED
        if found is not None:
            pk, current = found
            if current is not None and current != own_id:
                return SUPERSEDED
    if pk is None:
        return SUPERSEDED
    state = job.process(pk)
    if job.wait_inline and not result.task.get_backend().supports_defer:
        state = _continue_inline(job, pk, state)
    return state


def _continue_inline(job: Job[Any], pk: int, state: str) -> str:
    """Run the row's next steps in this task, waiting for each to be due, while each step moves
    it on (a row that did not move — taken by another worker — is left to that one)."""
    last = None
    while True:
        row = rows_of(job).filter(pk=pk).values("state", "next_attempt_at", "updated_at").first()
        if row is None or row["state"] not in job.waiting_states or row["next_attempt_at"] is None:
            return state
        if (row["state"], row["next_attempt_at"], row["updated_at"]) == last:
            return state
        last = (row["state"], row["next_attempt_at"], row["updated_at"])
        time.sleep(max(0.0, (row["next_attempt_at"] - timezone.now()).total_seconds()))
        state = job.process(pk)


def work_run_due(*, job: Job[Row], limit: int = 100) -> int:
    """Process here and now the rows that are due and not leased, oldest first (for backends
    that cannot defer a task; never from the worker's sweep, which must not call vendors);
    return how many were tried."""
    now = timezone.now()
    due = list(
        rows_of(job)
        .filter(state__in=list(job.waiting_states))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(turn_waiting_q(job))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        job.process(pk)
    return len(due)


def work_wake_turn(*, job: Job[Any], pk: int) -> int | None:
    """After row ``pk`` of a job with ``turns`` stopped running: queue the next row of its key
    when that one is due (a row not due yet keeps the run queued for its time); return it.
    A polled job needs nothing: the next row is waiting and due, so the runner claims it."""
    if work_is_polled(job):
        return None
    following = turn_next(job, pk)
    if following is None:
        return None
    due = (
        rows_of(job)
        .filter(pk=following)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
    )
    if not due.exists():
        return None
    work_schedule(job=job, pk=following)
    return following
