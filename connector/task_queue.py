"""The database task queue (django-tasks-db) as recovery code sees it.

Owns: whether a task runs on the database queue, which queued task rows are still alive (waiting
for a worker, or running on a worker that started recently), and closing the rows a dead worker
left "running". Rows whose work is tracked (webhook events, flow deliveries) store their task's
id, so a recovery sweep can tell a queue that is only behind from a task that was lost.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any


def queue_is_database(task: Any) -> bool:
    """Whether ``task`` is queued in the database (the only backend that can lose nothing)."""
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task.get_backend(), DatabaseBackend)


def live_task_ids(
    task_ids: Iterable[uuid.UUID | str | None], *, now: datetime.datetime, lease: datetime.timedelta
) -> set[uuid.UUID]:
    """Of ``task_ids``, those still waiting in the queue or running for less than ``lease``.

    A missing or finished task, or one "running" for longer than the lease (its worker died
    between taking it and finishing), is not alive: its work must be queued again.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    ids = {uuid.UUID(str(task_id)) for task_id in task_ids if task_id}
    if not ids:
        return set()
    rows = DBTaskResult.objects.filter(id__in=ids).values("id", "status", "started_at")
    return {
        row["id"]
        for row in rows
        if row["status"] == TaskResultStatus.READY
        or (row["status"] == TaskResultStatus.RUNNING and row["started_at"] and row["started_at"] > now - lease)
    }


def fail_orphaned_tasks(
    task_ids: Iterable[uuid.UUID | str | None], *, now: datetime.datetime, exception_path: str, explanation: str
) -> None:
    """Close the task rows a dead worker left "running" (others among ``task_ids`` are left as
    they are), so they can be pruned like the rest; one UPDATE."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    ids = [task_id for task_id in task_ids if task_id]
    if not ids:
        return
    DBTaskResult.objects.filter(id__in=ids, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=now, exception_class_path=exception_path, traceback=explanation
    )
