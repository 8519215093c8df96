"""Background tasks of the shops app: thin wrappers that load ids and call services."""

from __future__ import annotations

from django_tasks import task

from shops.services import deliveries


@task()
def process_flow_delivery(delivery_id: int) -> str:
    """Process one flow delivery (idempotent: a delivery that is not due or is taken does nothing)."""
    return deliveries.flow_delivery_process(delivery_id=delivery_id)
