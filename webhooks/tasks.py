"""Background tasks of the webhooks app: ids in, one service call, nothing else."""

from __future__ import annotations

from django_tasks import TaskContext, task

from webhooks import services
from webhooks.models import WebhookEvent


@task(takes_context=True)
def process_webhook_event(context: TaskContext, event_id: int | None = None) -> str:
    """Run the handler of the webhook event this task was queued for; returns its status.

    On the database queue the task carries no arguments: the event names its task
    (``WebhookEvent.task_id``, written in the same transaction), so a task that a retry or
    recovery replaced finds nothing and stops. Inline backends pass ``event_id``.
    """
    if event_id is None:
        event_id = WebhookEvent.objects.filter(task_id=context.task_result.id).values_list("pk", flat=True).first()
        if event_id is None:
            return "superseded"
    return services.webhook_event_process(event_id=event_id)
