"""Recovery of lost flow deliveries, run by every task worker (settings.WORKER_MAINTENANCE)."""

from __future__ import annotations

from shops.services.delivery_job import flow_deliveries_recover


def recover_flow_deliveries() -> dict[str, int]:
    """The leased-work machine's recovery with the deliveries' rule: deliveries of vanished
    workers (pending again, or unconfirmed when the flow was being sent) and pending ones whose
    task was lost (queued again); non-zero counts only."""
    return flow_deliveries_recover()
