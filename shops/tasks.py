"""Background tasks of the shops app: thin wrappers that load ids and call services."""

from __future__ import annotations

from django_tasks import TaskContext, task

from connector.work import work_task_run
from shops.services.delivery_job import FLOW_DELIVERY
from shops.services.dropi_order_job import DROPI_ORDER
from shops.services.shipping_writeback import SHIPPING_UPDATE
from shops.services.tracking_sync import TRACKING_SYNC


@task(takes_context=True)
def process_flow_delivery(context: TaskContext, delivery_id: int) -> str:
    """Process one flow delivery: a job on the leased-work machine, whose states and
    transitions are ``shops.services.delivery_job`` (a task replaced by a newer one, or a
    delivery that is not due or is taken, does nothing)."""
    return work_task_run(job=FLOW_DELIVERY, pk=delivery_id, context=context)


@task(takes_context=True)
def place_dropi_order(context: TaskContext, order_id: int) -> str:
    """Place one order in Dropi (or tag it in Shopify once placed): a job on the leased-work
    machine, whose states and transitions are ``shops.services.dropi_order_job``."""
    return work_task_run(job=DROPI_ORDER, pk=order_id, context=context)


@task(takes_context=True)
def write_shipping_update(context: TaskContext, update_id: int) -> str:
    """Write one shipping transition of a Dropi order back to Shopify: a job on the leased-work
    machine, whose states and transitions are ``shops.services.shipping_writeback``."""
    return work_task_run(job=SHIPPING_UPDATE, pk=update_id, context=context)


@task(takes_context=True)
def sync_dropi_tracking(context: TaskContext, sync_id: int) -> str:
    """Run one shop's Dropi status sync: a periodic job on the leased-work machine, whose states
    and schedule are ``shops.services.tracking_sync``."""
    return work_task_run(job=TRACKING_SYNC, pk=sync_id, context=context)
