"""Recovery of lost flow deliveries, Dropi orders, shipping write-backs and Dropi status syncs
(and a sync for every shop newly configured with Dropi), run by every task worker
(settings.WORKER_MAINTENANCE)."""

from __future__ import annotations

from shops.services.delivery_job import flow_deliveries_recover
from shops.services.dropi_order_job import dropi_orders_recover
from shops.services.shipping_writeback import shipping_updates_recover
from shops.services.tracking_sync import tracking_syncs_recover


def recover_flow_deliveries() -> dict[str, int]:
    """The leased-work machine's recovery with the deliveries' rule: deliveries of vanished
    workers (pending again, or unconfirmed when the flow was being sent) and pending ones whose
    task was lost (queued again); non-zero counts only."""
    return flow_deliveries_recover()


def recover_dropi_orders() -> dict[str, int]:
    """The leased-work machine's recovery with the Dropi orders' rule: orders of vanished
    workers (queued again; looked up in Dropi first when the create was in flight) and queued
    ones whose task was lost; non-zero counts only."""
    return dropi_orders_recover()


def recover_shipping_updates() -> dict[str, int]:
    """The leased-work machine's recovery with the shipping write-back's rule: transitions of
    vanished workers (queued again; Shopify read back first when a write was in flight) and
    pending ones whose task was lost; non-zero counts only."""
    return shipping_updates_recover()


def recover_tracking_syncs() -> dict[str, int]:
    """A Dropi status sync for every installed shop with a Dropi token that has none (or whose
    sync was off), then the leased-work machine's recovery: syncs of vanished workers run again
    (the window is read again; recording is idempotent); non-zero counts only."""
    return tracking_syncs_recover()
