"""Shipping transitions written back to Shopify: Shopify calls per transition, throughput,
latency, and fulfillments per order (exactly one).

MySQL/MariaDB + 2 `manage.py worker` processes (database queue) against the local Shopify
simulator answering after 50 ms. ``--shops`` × ``--orders`` Dropi orders (placed by the bot)
move through pending → guía generated (first guía: the fulfillment) → in transit → out for
delivery → delivered, one sync round per stage (every order's transition recorded as the
shipping sync does, then the workers drain them); 5 % get a new guía and 5 % come back
returned. Run 2 adds faults: every shop's first fulfillment creates are throttled once beyond
the client's waits, and each shop's first event write is answered only after the client's
timeout (done, but unconfirmed). Prints, per run: Shopify calls per transition by kind, rounds'
drain time and transitions/s, p50/p99 from a transition recorded to its write done, and the
count of fulfillments (and events) per order.

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/shipping_writeback.py
    (options: --shops 20 --orders 25)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from common import ROOT, bench_database_url, setup_django

ROUNDS = ("pending", "guide_generated", "in_transit", "out_for_delivery", "delivered")


def shop_name(index: int) -> str:
    return f"bench-ship-{index:03d}.myshopify.com"


def reset(simulator: Any, shops: int, orders: int) -> list[Any]:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from connector.models import ShopifySession
    from shops.models import DropiOrder, ShippingUpdate, ShopConfiguration
    from simulators.shopify_orders import add_order

    names = [shop_name(index) for index in range(shops)]
    ShippingUpdate.objects.filter(shop__in=names).delete()
    DropiOrder.objects.filter(shop__in=names).delete()
    ShopifySession.objects.filter(shop__in=names).delete()
    ShopConfiguration.objects.filter(shop__in=names).delete()
    DBTaskResult.objects.all().delete()
    created = []
    for number, shop in enumerate(names):
        ShopConfiguration.objects.create(shop=shop, installed_at=timezone.now(), dropi_country="CO")
        ShopifySession.objects.create(id=f"offline_{shop}", shop=shop, access_token=simulator.issue_token(shop))
        for index in range(orders):
            order_id = 8_000_000_000 + number * 10_000 + index
            add_order(simulator, shop, name=f"#S{number}-{index}", order_id=order_id)
            created.append(
                DropiOrder(
                    shop=shop,
                    shopify_order_id=str(order_id),
                    order_name=f"#S{number}-{index}",
                    mode="bot",
                    state="bot",
                    dropi_order_id=str(90_000_000 + order_id % 10_000_000),
                )
            )
    return DropiOrder.objects.bulk_create(created)


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen]:
    command = [sys.executable, "manage.py", "worker", "--interval", "0.05", "--no-startup-delay", "--no-reload"]
    return [
        subprocess.Popen([*command, "-v", "0"], cwd=ROOT, env={**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"})  # noqa: S603
        for _ in range(count)
    ]


def record_round(orders: list[Any], stage: str, number: int) -> None:
    """What the shipping sync does for every order of one round."""
    from django.db import transaction
    from django.utils import timezone

    from shops.services.shipping_transitions import transition_recorded

    for index, order in enumerate(orders):
        previous = (order.shipping_stage, order.guia, order.carrier)
        target = stage
        if stage == "delivered" and index % 20 == 7:
            target = "returned"
        order.shipping_stage = target
        if stage == "guide_generated":
            order.guia, order.carrier = f"G{order.shopify_order_id}", "SERVIENTREGA"
        if stage == "in_transit" and index % 20 == 3:
            order.guia, order.carrier = f"N{order.shopify_order_id}", "COORDINADORA"
        order.dropi_status = target.upper()
        order.dropi_status_changed_at = timezone.now()
        with transaction.atomic():
            order.save(update_fields=["shipping_stage", "guia", "carrier", "dropi_status", "dropi_status_changed_at"])
            transition_recorded(
                order, previous_stage=previous[0], previous_guia=previous[1], previous_carrier=previous[2]
            )


def drain(timeout: float) -> float:
    from shops.models import ShippingUpdate

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not ShippingUpdate.objects.filter(state__in=("pending", "processing", "sending")).exists():
            break
        time.sleep(0.2)
    return time.monotonic() - started


def kind_of(update: dict[str, Any]) -> str:
    steps = update["steps"] or {}
    if steps.get("tracking") in ("created", "found") and update["previous_stage"] == "pending":
        return "first guía (fulfillment)"
    if steps.get("tracking") == "updated":
        return "guía changed (+ event)"
    if update["stage"] == "returned":
        return "returned (note)"
    if steps.get("action") in ("event", "found"):
        return "event"
    return "tag only"


def run(*, simulator: Any, shops: int, orders: int, faults: bool) -> dict[str, Any]:
    from shops.models import ShippingUpdate
    from simulators.shopify_fulfillments import fulfillments_of, switches

    rows = reset(simulator, shops, orders)
    if faults:
        for index in range(shops):
            switches(simulator, shop_name(index)).throttle["FulfillmentCreate"] = 4
            switches(simulator, shop_name(index)).stall_after_write["FulfillmentEventCreate"] = 0.7
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": bench_database_url(),
        "SHOPIFY_ADMIN_ORIGIN": simulator.origin_template(),
        "HTTP_TIMEOUT_SECONDS": "0.5",
        "SHIPPING_UPDATE_RETRY_BASE_SECONDS": "0.5",
        "SHIPPING_UPDATE_RETRY_MAX_SECONDS": "4",
        "LOG_LEVEL": "WARNING",
    }
    workers = start_workers(env, 2)
    rounds = {}
    try:
        time.sleep(5)  # the workers start (the rounds measure the draining, not the start-up)
        for number, stage in enumerate(ROUNDS):
            record_round(rows, stage, number)
            rounds[stage] = drain(timeout=1800)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=60)

    updates = list(
        ShippingUpdate.objects.filter(order__in=rows).values(
            "stage", "previous_stage", "steps", "shopify_calls", "state", "created_at", "done_at"
        )
    )
    calls: dict[str, list[int]] = defaultdict(list)
    for update in updates:
        calls[kind_of(update)].append(update["shopify_calls"])
    latencies = sorted(
        (update["done_at"] - update["created_at"]).total_seconds() * 1000 for update in updates if update["done_at"]
    )
    per_order = Counter()
    events_per_order = Counter()
    for order in rows:
        found = fulfillments_of(simulator, order.shop, f"gid://shopify/Order/{order.shopify_order_id}")
        per_order[len(found)] += 1
        statuses = [event["status"] for fulfillment in found for event in fulfillment["events"]]
        events_per_order["ok" if len(statuses) == len(set(statuses)) else "duplicated"] += 1
    return {
        "calls": {kind: (statistics.mean(values), max(values), len(values)) for kind, values in calls.items()},
        "rounds": rounds,
        "states": Counter(update["state"] for update in updates),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "fulfillments_per_order": dict(per_order),
        "events": dict(events_per_order),
        "transitions": len(updates),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=20)
    parser.add_argument("--orders", type=int, default=25)
    parser.add_argument("--runs", default="healthy,faults")
    options = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"  # transitions queue in the database
    setup_django()
    from simulators.shopify import ShopifySimulator

    simulator = ShopifySimulator(api_key="bench", api_secret="bench-secret", latency=0.05)  # noqa: S106
    simulator.start()
    results = {}
    try:
        for name, key in (("Shopify healthy", "healthy"), ("throttling and lost answers", "faults")):
            if key in options.runs.split(","):
                results[name] = run(
                    simulator=simulator, shops=options.shops, orders=options.orders, faults=key == "faults"
                )
    finally:
        simulator.stop()
    total = options.shops * options.orders
    print(f"\n{total:,} orders ({options.shops} shops), 2 task workers, Shopify simulator 50 ms per call")
    for name, result in results.items():
        print(f"\n{name}: {result['transitions']:,} transitions, states {dict(result['states'])}")
        for kind, (mean, most, count) in sorted(result["calls"].items()):
            print(f"  Shopify calls per transition, {kind:<26} mean {mean:.2f}  max {most}  ({count:,})")
        drained = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in result["rounds"].items())
        rate = total / max(result["rounds"]["in_transit"], 0.001)
        print(f"  rounds drained: {drained}  ({rate:.0f} transitions/s in the in-transit round)")
        print(f"  recorded → written  p50 {result['p50']:.0f} ms  p99 {result['p99']:.0f} ms")
        print(f"  fulfillments per order {result['fulfillments_per_order']}  events {result['events']}")


if __name__ == "__main__":
    main()
