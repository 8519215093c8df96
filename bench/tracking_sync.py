"""Dropi status sync: 500 shops × 40 open orders, one sync cycle over every shop, then status
changes in Dropi followed until they are recorded and written to Shopify.

MySQL/MariaDB + `manage.py worker` processes (--workers, 2 by default) against the local Dropi
simulator answering every call after 100 ms, calls to one account at least 1 s apart
(DROPI_TRACKING_CALL_SPACING_SECONDS), the shared database cache (pauses and spacing hold
across processes), and the local Shopify simulator answering after 50 ms (every shop has an
offline session and its 40 orders there). The same workers run the syncs and the write-backs
(``ShippingUpdate``, one per recorded transition). Cycle 1: every shop's first sync (all 40
orders new to the app: each gets its first stage and the ``dropi:pending`` tag in Shopify).
Cycle 2: while the workers run on their interval (--interval-minutes, 2 by default), 10 orders
per shop move to GUIA_GENERADA in Dropi at random moments over one interval; the bench waits
for the syncs and the fulfillments that follow. Cycle 3 (--later-changes-per-shop, 2 by
default, 0 for none): as many shipped orders per shop go EN TRANSPORTE over one interval (a
fulfillment event in Shopify). Each cycle's figures print as it ends. Prints Dropi calls per shop per cycle (goal ≤
1 + orders/100), the cycle time for all shops, the time from a status change in Dropi to its
record and to the Shopify write (the fulfillment in the simulator; the write-back done), p50/p99
(goal ≤ interval + 30 s), Shopify calls per transition (goal ≤ 2 for the first fulfillment, 1
for a tag or event), fulfillments per changed order and history lines per change (goal: 1).

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/tracking_sync.py
    (options: --shops 500 --orders 40 --workers 2 --interval-minutes 2 --changes-per-shop 10
     --later-changes-per-shop 2)
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime

from common import ROOT, bench_database_url, insert_rows, setup_django
from tracking_writes import (
    PREFIX,
    shop_of,
    shopify_id_of,
    shopify_landed,
    shopify_prepare,
    wait_for,
    writes_summary,
    writes_wait,
)

TOKEN = "bench-dropi-token-{index:04d}-0123456789"  # noqa: S105 (the simulator's accounts)


def reset(simulator, *, shops: int, orders: int) -> None:
    """The shops (Dropi configured), their placed orders, and the same orders in Dropi."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from shops.models import DropiOrder, DropiTrackingSync, ShippingUpdate, ShopConfiguration

    ShippingUpdate.objects.filter(shop__startswith=PREFIX).delete()
    DropiOrder.objects.filter(shop__startswith=PREFIX).delete()
    DropiTrackingSync.objects.filter(shop__startswith=PREFIX).delete()
    ShopConfiguration.objects.filter(shop__startswith=PREFIX).delete()
    DBTaskResult.objects.all().delete()
    now = timezone.now()
    insert_rows(
        ShopConfiguration,
        (
            {
                "shop": shop_of(index),
                "dropi_token": TOKEN.format(index=index),
                "dropi_country": "CO",
                "dropi_store_name": f"Tienda {index}",
                "installed_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for index in range(shops)
        ),
    )
    rows = []
    for index in range(shops):
        token = TOKEN.format(index=index)
        simulator.add_account(token, country="CO")
        for number in range(orders):
            shopify_id = shopify_id_of(index, number)
            dropi = simulator.orders.add(token, shop_order_id=shopify_id, status="PENDIENTE")
            rows.append(
                {
                    "shop": shop_of(index),
                    "shopify_order_id": shopify_id,
                    "order_name": f"#{1000 + number}",
                    "mode": "app_on_order",
                    "state": "placed",
                    "dropi_order_id": str(dropi["id"]),
                    "created_at": now,
                    "updated_at": now,
                }
            )
    insert_rows(DropiOrder, rows)


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen]:
    command = [sys.executable, "manage.py", "worker", "--queue-name", "default", "--interval", "0.2"]
    command += ["--no-startup-delay", "--no-reload", "-v", "0"]
    return [
        subprocess.Popen(command, cwd=ROOT, env={**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"})  # noqa: S603
        for _ in range(count)
    ]


def first_cycle(simulator, *, shops: int, orders: int) -> dict:
    from shops.models import DropiTrackingSync
    from shops.services.tracking_sync import tracking_syncs_ensure

    started = time.monotonic()
    tracking_syncs_ensure()  # what the workers' maintenance does at their start; queued for them
    finished = wait_for(
        lambda: DropiTrackingSync.objects.filter(shop__startswith=PREFIX, last_result="ok").count() >= shops, 3600
    )
    calls = list(DropiTrackingSync.objects.filter(shop__startswith=PREFIX).values_list("last_calls", flat=True))
    dropi_calls = simulator.count("orders_list")
    written = writes_wait(stage="pending", expected=shops * orders, timeout=3600)
    return {
        "seconds": finished - started,
        "written_seconds": written - started,
        "calls": Counter(calls),
        "dropi_calls": dropi_calls,
        "writes": writes_summary(stage="pending"),
    }


def change_statuses(simulator, *, shops: int, per_shop: int, over_seconds: float, moves: tuple[str, str]) -> list:
    """Move ``per_shop`` orders of every shop from ``moves[0]`` to ``moves[1]`` at random moments
    over ``over_seconds``; (shop, Shopify order id, Dropi's change time) of each."""
    from simulators.dropi_tracking import advance

    plan = []
    for index in range(shops):
        token = TOKEN.format(index=index)
        orders = [order for order in simulator.orders.of(token) if order["status"] == moves[0]]
        for order in random.sample(orders, min(per_shop, len(orders))):
            plan.append((random.uniform(0, over_seconds), index, order))
    plan.sort(key=lambda item: item[0])
    started = time.monotonic()
    changed = []
    for at, index, order in plan:
        time.sleep(max(0.0, started + at - time.monotonic()))
        moved = advance(simulator.orders, TOKEN.format(index=index), order["id"], moves[1])
        changed.append((shop_of(index), str(moved["shop_order_id"]), datetime.fromisoformat(moved["updated_at"])))
    return changed


def changes_follow(simulator, *, shops: int, per_shop: int, interval: float, moves: tuple[str, str], stage: str):
    """Status changes over one interval, followed until the syncs recorded them and their
    write-backs finished. The changes, the orders at ``stage``, and Dropi calls per shop per cycle."""
    from shops.models import DropiOrder

    calls_before = simulator.count("orders_list")
    started = time.monotonic()
    changed = change_statuses(simulator, shops=shops, per_shop=per_shop, over_seconds=interval, moves=moves)
    recorded = DropiOrder.objects.filter(shop__startswith=PREFIX, shipping_stage=stage)
    wait_for(lambda: recorded.count() >= len(changed), interval * 3 + 120)
    cycles = (time.monotonic() - started) / interval
    dropi_calls = simulator.count("orders_list") - calls_before
    writes_wait(stage=stage, expected=len(changed), timeout=interval * 3 + 1800)
    return changed, recorded, dropi_calls / shops / cycles


def steady_cycle(simulator, shopify, *, shops: int, per_shop: int, interval: float) -> dict:
    """Cycle 2: orders get their guía (the first fulfillment in Shopify)."""
    from django.db.models import Count

    from shops.models import DropiOrderEvent
    from shops.services.dropi_order_events import Kind

    moves = ("PENDIENTE", "GUIA_GENERADA")
    changed, recorded, calls = changes_follow(
        simulator, shops=shops, per_shop=per_shop, interval=interval, moves=moves, stage="guide_generated"
    )
    lines = {
        kind: dict(
            Counter(
                DropiOrderEvent.objects.filter(order__in=recorded, kind=kind, detail__stage="guide_generated")
                .values("order_id")
                .annotate(count=Count("id"))
                .values_list("count", flat=True)
            )
        )
        for kind in (Kind.STATUS, Kind.SHOPIFY_FULFILLED)
    }
    return {
        "recorded": recorded.count(),
        "expected": len(changed),
        "calls_per_shop_per_cycle": calls,
        "lines": lines,
        "writes": writes_summary(stage="guide_generated"),
        **shopify_landed(shopify, changed),
    }


def later_cycle(simulator, *, shops: int, per_shop: int, interval: float) -> dict:
    """Cycle 3: shipped orders go in transit (a fulfillment event in Shopify)."""
    moves = ("GUIA_GENERADA", "EN TRANSPORTE")
    changed, recorded, calls = changes_follow(
        simulator, shops=shops, per_shop=per_shop, interval=interval, moves=moves, stage="in_transit"
    )
    return {
        "recorded": recorded.count(),
        "expected": len(changed),
        "calls_per_shop_per_cycle": calls,
        "writes": writes_summary(stage="in_transit"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=500)
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval-minutes", type=int, default=2)
    parser.add_argument("--changes-per-shop", type=int, default=10)
    parser.add_argument("--later-changes-per-shop", type=int, default=2, help="cycle 3 (0: none)")
    options = parser.parse_args()
    # The database queue, as the workers use it: the syncs queued here are theirs to run.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    setup_django()
    from simulators.dropi import DropiSimulator
    from simulators.shopify import ShopifySimulator

    simulator = DropiSimulator(latency=0.1)
    simulator.start()
    shopify = ShopifySimulator(api_key="bench", api_secret="bench-secret", latency=0.05)  # noqa: S106
    shopify.start()
    reset(simulator, shops=options.shops, orders=options.orders)
    shopify_prepare(shopify, shops=options.shops, orders=options.orders)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": bench_database_url(),
        "CACHE_URL": "",  # production's default (the database): pauses and spacing shared by the workers
        "DROPI_API_URLS": ",".join(f"{country}={url}" for country, url in simulator.api_urls().items()),
        "DROPI_TRACKING_INTERVAL_MINUTES": str(options.interval_minutes),
        "DROPI_TRACKING_CALL_SPACING_SECONDS": "1.0",
        "SHOPIFY_ADMIN_ORIGIN": shopify.origin_template(),
        "LOG_LEVEL": "WARNING",
    }
    workers = start_workers(env, options.workers)
    try:
        cycles_run(simulator, shopify, options)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=60)
        simulator.stop()
        shopify.stop()


def cycles_run(simulator, shopify, options: argparse.Namespace) -> None:
    """The three cycles, each one's figures printed as soon as it ends."""
    interval = options.interval_minutes * 60.0
    print(
        f"\n{options.shops} shops × {options.orders} open orders, {options.workers} task workers, "
        f"Dropi 100 ms per call, ≥ 1 s between calls to one account, Shopify 50 ms per call, "
        f"interval {options.interval_minutes} min",
        flush=True,
    )
    first = first_cycle(simulator, shops=options.shops, orders=options.orders)
    first_report(first, shops=options.shops)
    steady = steady_cycle(simulator, shopify, shops=options.shops, per_shop=options.changes_per_shop, interval=interval)
    steady_report(steady)
    if options.later_changes_per_shop:
        later = later_cycle(simulator, shops=options.shops, per_shop=options.later_changes_per_shop, interval=interval)
        events = later["writes"]
        print(
            f"  in transit    {later['recorded']:,} of {later['expected']:,} changes recorded; Dropi calls per shop "
            f"per cycle {later['calls_per_shop_per_cycle']:.2f}; change in Dropi → event written "
            f"{seconds(events['done'])}; states {events['states']}; Shopify calls per transition "
            f"{events['calls']} (mean {events['calls_mean']:.2f})",
            flush=True,
        )


def seconds(figures: dict[str, float]) -> str:
    return f"p50 {figures['p50']:.1f} s  p99 {figures['p99']:.1f} s  max {figures['max']:.1f} s"


def first_report(first: dict, *, shops: int) -> None:
    print(f"  first cycle   {first['seconds']:.1f} s for all shops ({shops / first['seconds']:.1f} shops/s)")
    print(f"                Dropi calls per shop: {dict(first['calls'])} (total {first['dropi_calls']})")
    tags = first["writes"]
    print(
        f"                {tags['transitions']:,} pending tags written to Shopify {first['written_seconds']:.1f} s "
        f"after the cycle's start; states {tags['states']}; Shopify calls per transition "
        f"{tags['calls']} (mean {tags['calls_mean']:.2f})",
        flush=True,
    )


def steady_report(steady: dict) -> None:
    writes = steady["writes"]
    print(
        f"  steady        {steady['recorded']:,} of {steady['expected']:,} changes recorded; "
        f"Dropi calls per shop per cycle {steady['calls_per_shop_per_cycle']:.2f}"
    )
    print(f"  change in Dropi → recorded (transition queued)        {seconds(writes['recorded'])}")
    print(f"  change in Dropi → fulfillment created in Shopify      {seconds(steady['landed'])}")
    print(f"  change in Dropi → write-back done (ShippingUpdate)    {seconds(writes['done'])}")
    print(
        f"  first fulfillment: {writes['transitions']:,} transitions, states {writes['states']}; Shopify calls "
        f"per transition {writes['calls']} (mean {writes['calls_mean']:.2f}); fulfillments per changed order "
        f"{steady['fulfillments_per_order']}"
    )
    lines = steady["lines"]
    print(
        f"  history lines per change: status {lines['status']}, shipped in Shopify {lines['shopify_fulfilled']}",
        flush=True,
    )


if __name__ == "__main__":
    main()
