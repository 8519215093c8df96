"""Background tasks of the connector app: ids in, one service call, nothing else."""

from __future__ import annotations

from django_tasks import task

from connector import services


@task()
def process_webhook_event(event_id: int) -> str:
    """Run the handler of one stored webhook event; returns the event's status."""
    return services.webhook_event_process(event_id=event_id)
