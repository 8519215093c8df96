"""Recovery of lost flow deliveries, run by every task worker (settings.WORKER_MAINTENANCE)."""

from __future__ import annotations

from typing import Any

from shops.services import deliveries


def recover_flow_deliveries() -> dict[str, Any]:
    """Deliveries of vanished workers (pending again, or unconfirmed when the flow was being
    sent) and pending ones whose task was lost (queued again)."""
    summary = deliveries.flow_delivery_recover_stale()
    summary["requeued_overdue"] = deliveries.flow_delivery_requeue_overdue()
    return {name: count for name, count in summary.items() if count}
