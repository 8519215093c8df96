"""Settings of the background jobs: for each job on the leased-work machine (flow deliveries,
Dropi orders, shipping updates) the attempts before it gives up, its back-off and a worker's
hold on a row; the delivery rules' defaults; and the Dropi status sync's schedule. Read from
the environment like the rest of ``connector.settings``, which imports every name here by name
(docs/configuration.md lists them).
"""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()
__all__ = [  # what connector.settings takes (every setting here)
    "DELIVERY_DUPLICATE_WINDOW_MINUTES",
    "DELIVERY_QUIET_HOURS_BY_DEFAULT",
    "DRAFT_ORDER_TAG_PRESETS",
    "DROPI_ORDER_LEASE_SECONDS",
    "DROPI_ORDER_MAX_ATTEMPTS",
    "DROPI_ORDER_RETRY_BASE_SECONDS",
    "DROPI_ORDER_RETRY_MAX_SECONDS",
    "DROPI_TIME_ZONE",
    "DROPI_TRACKING_CALL_SPACING_SECONDS",
    "DROPI_TRACKING_INTERVAL_MINUTES",
    "DROPI_TRACKING_OVERLAP_MINUTES",
    "DUPLICATE_ORDER_TAG",
    "FLOW_DELIVERY_LEASE_SECONDS",
    "FLOW_DELIVERY_MAX_ATTEMPTS",
    "FLOW_DELIVERY_RETRY_BASE_SECONDS",
    "FLOW_DELIVERY_RETRY_MAX_SECONDS",
    "SHIPPING_UPDATE_LEASE_SECONDS",
    "SHIPPING_UPDATE_MAX_ATTEMPTS",
    "SHIPPING_UPDATE_RETRY_BASE_SECONDS",
    "SHIPPING_UPDATE_RETRY_MAX_SECONDS",
    "WORKER_CONCURRENCY",
    "WORKER_POLL_MAX_SECONDS",
    "WORKER_SHOP_SHARE",
]

# The worker's runner: slots per process, one shop's share of them, the longest idle poll wait.
WORKER_CONCURRENCY = env.int("WORKER_CONCURRENCY", default=48)
WORKER_SHOP_SHARE = env.float("WORKER_SHOP_SHARE", default=0.5)
WORKER_POLL_MAX_SECONDS = env.float("WORKER_POLL_MAX_SECONDS", default=1.0)
if WORKER_CONCURRENCY < 0 or not 0 < WORKER_SHOP_SHARE <= 1 or not 0 < WORKER_POLL_MAX_SECONDS <= 60:
    raise ImproperlyConfigured("WORKER_CONCURRENCY ≥ 0, 0 < WORKER_SHOP_SHARE ≤ 1, 0 < WORKER_POLL_MAX_SECONDS ≤ 60.")
FLOW_DELIVERY_MAX_ATTEMPTS = env.int("FLOW_DELIVERY_MAX_ATTEMPTS", default=12)
FLOW_DELIVERY_RETRY_BASE_SECONDS = env.float("FLOW_DELIVERY_RETRY_BASE_SECONDS", default=30.0)
FLOW_DELIVERY_RETRY_MAX_SECONDS = env.float("FLOW_DELIVERY_RETRY_MAX_SECONDS", default=3600.0)
# A worker's hold on a delivery, renewed before each Ecomdrop call (at least 2 × HTTP_TIMEOUT_SECONDS).
FLOW_DELIVERY_LEASE_SECONDS = env.float("FLOW_DELIVERY_LEASE_SECONDS", default=120.0)
# Delivery rules' defaults, the duplicate tag, COD form apps' draft tags (unverified; docs/configuration.md).
DELIVERY_QUIET_HOURS_BY_DEFAULT = env.bool("DELIVERY_QUIET_HOURS_BY_DEFAULT", default=True)
DELIVERY_DUPLICATE_WINDOW_MINUTES = env.int("DELIVERY_DUPLICATE_WINDOW_MINUTES", default=30)
DUPLICATE_ORDER_TAG = env.str("DUPLICATE_ORDER_TAG", default="posible-duplicado")
DRAFT_ORDER_TAG_PRESETS = env.list("DRAFT_ORDER_TAG_PRESETS", default=["releasit", "easysell", "abandoned"])
# Placing orders in Dropi (shops/services/dropi_order_job.py): attempts that fail for now before
# an order is *failed*, their back-off, and a worker's hold on an order (renewed before each call).
DROPI_ORDER_MAX_ATTEMPTS = env.int("DROPI_ORDER_MAX_ATTEMPTS", default=8)
DROPI_ORDER_RETRY_BASE_SECONDS = env.float("DROPI_ORDER_RETRY_BASE_SECONDS", default=60.0)
DROPI_ORDER_RETRY_MAX_SECONDS = env.float("DROPI_ORDER_RETRY_MAX_SECONDS", default=3600.0)
DROPI_ORDER_LEASE_SECONDS = env.float("DROPI_ORDER_LEASE_SECONDS", default=120.0)
if DROPI_ORDER_MAX_ATTEMPTS < 1 or DROPI_ORDER_RETRY_BASE_SECONDS <= 0 or DROPI_ORDER_LEASE_SECONDS <= 0:
    raise ImproperlyConfigured(
        "DROPI_ORDER_MAX_ATTEMPTS must be at least 1; DROPI_ORDER_RETRY_BASE_SECONDS and "
        "DROPI_ORDER_LEASE_SECONDS must be positive."
    )
SHIPPING_UPDATE_MAX_ATTEMPTS = env.int("SHIPPING_UPDATE_MAX_ATTEMPTS", default=10)
SHIPPING_UPDATE_RETRY_BASE_SECONDS = env.float("SHIPPING_UPDATE_RETRY_BASE_SECONDS", default=30.0)
SHIPPING_UPDATE_RETRY_MAX_SECONDS = env.float("SHIPPING_UPDATE_RETRY_MAX_SECONDS", default=3600.0)
SHIPPING_UPDATE_LEASE_SECONDS = env.float("SHIPPING_UPDATE_LEASE_SECONDS", default=60.0)  # shipping_writeback.py
# The Dropi status sync (shops/services/tracking_sync.py): how often each shop's runs (a shop's
# own interval wins), how far each window reaches back before the last run, the spacing of its
# calls to one account, and the time zone of Dropi's dates (unverified).
DROPI_TRACKING_INTERVAL_MINUTES = env.int("DROPI_TRACKING_INTERVAL_MINUTES", default=10)
DROPI_TRACKING_OVERLAP_MINUTES = env.int("DROPI_TRACKING_OVERLAP_MINUTES", default=30)
DROPI_TRACKING_CALL_SPACING_SECONDS = env.float("DROPI_TRACKING_CALL_SPACING_SECONDS", default=1.0)
DROPI_TIME_ZONE = env.str("DROPI_TIME_ZONE", default="America/Bogota")
