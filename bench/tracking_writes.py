"""The Shopify side of bench/tracking_sync.py: every shop's session and orders in the Shopify
simulator, and the write-backs (``ShippingUpdate``) of the transitions the sync records — waited
for, counted and timed from the change in Dropi to the write in Shopify."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from datetime import datetime
from typing import Any

PREFIX = "bench-track-"
FINISHED = ("done", "failed")


def shop_of(index: int) -> str:
    return f"{PREFIX}{index:04d}.myshopify.com"


def shopify_id_of(index: int, number: int) -> str:
    return str(6_000_000_000 + index * 1000 + number)


def wait_for(condition, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.5)
    return time.monotonic()


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"count": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    return {
        "count": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[int(0.99 * (len(ordered) - 1))],
        "max": ordered[-1],
    }


def shopify_prepare(shopify: Any, *, shops: int, orders: int) -> None:
    """Every shop's offline session, and its orders in the Shopify simulator."""
    from connector.models import ShopifySession
    from simulators.shopify_orders import add_order

    ShopifySession.objects.filter(shop__startswith=PREFIX).delete()
    sessions = []
    for index in range(shops):
        shop = shop_of(index)
        sessions.append(ShopifySession(id=f"offline_{shop}", shop=shop, access_token=shopify.issue_token(shop)))
        for number in range(orders):
            add_order(shopify, shop, name=f"#{1000 + number}", order_id=int(shopify_id_of(index, number)))
    ShopifySession.objects.bulk_create(sessions, batch_size=500)


def writes_wait(*, stage: str, expected: int, timeout: float) -> float:
    """Until ``expected`` write-backs of transitions to ``stage`` are finished (done or failed)."""
    from shops.models import ShippingUpdate

    finished = ShippingUpdate.objects.filter(shop__startswith=PREFIX, stage=stage, state__in=FINISHED)
    return wait_for(lambda: finished.count() >= expected, timeout)


def writes_summary(*, stage: str) -> dict[str, Any]:
    """The write-backs of transitions to ``stage``: their states, Shopify calls each, and the
    time from the change in Dropi to the write-back done."""
    from shops.models import ShippingUpdate

    rows = list(
        ShippingUpdate.objects.filter(shop__startswith=PREFIX, stage=stage).values(
            "state", "shopify_calls", "happened_at", "created_at", "done_at"
        )
    )
    # created_at: the sync recorded the transition (same transaction); done_at: Shopify written.
    recorded = [(row["created_at"] - row["happened_at"]).total_seconds() for row in rows]
    done = [(row["done_at"] - row["happened_at"]).total_seconds() for row in rows if row["done_at"]]
    calls = [row["shopify_calls"] for row in rows]
    return {
        "transitions": len(rows),
        "states": dict(Counter(row["state"] for row in rows)),
        "calls": dict(sorted(Counter(calls).items())),
        "calls_mean": statistics.mean(calls) if calls else float("nan"),
        "recorded": percentiles(recorded),
        "done": percentiles(done),
    }


def shopify_landed(shopify: Any, changed: list) -> dict[str, Any]:
    """From the Shopify simulator's own store: the fulfillments of each changed order, and the
    time from the change in Dropi to the fulfillment's creation in Shopify."""
    from simulators.shopify_fulfillments import fulfillments_of

    per_order: Counter = Counter()
    landed = []
    for shop, order_id, changed_at in changed:
        found = fulfillments_of(shopify, shop, f"gid://shopify/Order/{order_id}")
        per_order[len(found)] += 1
        if found:
            landed.append((datetime.fromisoformat(found[0]["createdAt"]) - changed_at).total_seconds())
    return {"fulfillments_per_order": dict(per_order), "landed": percentiles(landed)}
