"""Background tasks of the shops app: thin wrappers that load ids and call services."""

from __future__ import annotations

from django_tasks import TaskContext, task

from connector.work import work_task_run
from shops.services.delivery_job import FLOW_DELIVERY


@task(takes_context=True)
def process_flow_delivery(context: TaskContext, delivery_id: int) -> str:
    """Process one flow delivery: a job on the leased-work machine, whose states and
    transitions are ``shops.services.delivery_job`` (a task replaced by a newer one, or a
    delivery that is not due or is taken, does nothing)."""
    return work_task_run(job=FLOW_DELIVERY, pk=delivery_id, context=context)
