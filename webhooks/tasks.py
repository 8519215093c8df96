"""Background tasks of the webhooks app: ids in, one service call, nothing else."""

from __future__ import annotations

from django_tasks import TaskContext, task

from connector.work import work_task_run
from webhooks.services.inbox import WEBHOOK_EVENT


@task(takes_context=True)
def process_webhook_event(context: TaskContext, event_id: int | None = None) -> str:
    """Run the handler of the webhook event this task was queued for; returns its status.

    The event is a job on the leased-work machine: ``webhooks.services.inbox.WEBHOOK_EVENT``
    (states, lease, retries). On the database queue a task queued with the event carries no
    arguments: the event names its task (``WebhookEvent.task_id``, written in the same
    transaction), so a task that a retry or recovery replaced finds nothing and stops.
    """
    return work_task_run(job=WEBHOOK_EVENT, pk=event_id, context=context)
