"""Dropi status sync: 500 shops × 40 open orders, one sync cycle over every shop, then status
changes in Dropi followed until they are recorded.

MySQL/MariaDB + `manage.py worker` processes (--workers, 2 by default) against the local Dropi
simulator answering every call after 100 ms, calls to one account at least 1 s apart
(DROPI_TRACKING_CALL_SPACING_SECONDS), the shared database cache (pauses and spacing hold
across processes). Cycle 1: every shop's first sync (all 40 orders new to the app). Cycle 2:
while the workers run on their interval (--interval-minutes, 2 by default), 10 orders per shop
change status in Dropi at random moments over one interval; the bench waits for the syncs that
follow. Prints Dropi calls per shop per cycle (goal ≤ 1 + orders/100), the cycle time for all
shops, and the time from a status change in Dropi to its record (the sync calls the shipping
transition hook in the same transaction), p50/p99 (goal ≤ interval + 30 s), and the history
lines per change (goal: exactly 1).

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/tracking_sync.py
    (options: --shops 500 --orders 40 --workers 2 --interval-minutes 2)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

from common import ROOT, bench_database_url, insert_rows, setup_django

PREFIX = "bench-track-"
TOKEN = "bench-dropi-token-{index:04d}-0123456789"  # noqa: S105 (the simulator's accounts)


def shop_of(index: int) -> str:
    return f"{PREFIX}{index:04d}.myshopify.com"


def reset(simulator, *, shops: int, orders: int) -> None:
    """The shops (Dropi configured), their placed orders, and the same orders in Dropi."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from shops.models import DropiOrder, DropiTrackingSync, ShopConfiguration

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
            shopify_id = str(6_000_000_000 + index * 1000 + number)
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


def wait_for(condition, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.5)
    return time.monotonic()


def first_cycle(simulator, shops: int) -> dict:
    from shops.models import DropiTrackingSync
    from shops.services.tracking_sync import tracking_syncs_ensure

    started = time.monotonic()
    tracking_syncs_ensure()  # what the workers' maintenance does at their start; queued for them
    finished = wait_for(
        lambda: DropiTrackingSync.objects.filter(shop__startswith=PREFIX, last_result="ok").count() >= shops, 3600
    )
    calls = list(DropiTrackingSync.objects.filter(shop__startswith=PREFIX).values_list("last_calls", flat=True))
    return {"seconds": finished - started, "calls": Counter(calls), "dropi_calls": simulator.count("orders_list")}


def change_statuses(simulator, *, shops: int, per_shop: int, over_seconds: float) -> list[tuple[str, str]]:
    """Move ``per_shop`` orders of every shop to a new status at random moments over ``over_seconds``."""
    from simulators.dropi_tracking import advance

    plan = []
    for index in range(shops):
        token = TOKEN.format(index=index)
        for order in random.sample(simulator.orders.of(token), per_shop):
            plan.append((random.uniform(0, over_seconds), token, order))
    plan.sort(key=lambda item: item[0])
    started = time.monotonic()
    changed = []
    for at, token, order in plan:
        time.sleep(max(0.0, started + at - time.monotonic()))
        advance(simulator.orders, token, order["id"], "GUIA_GENERADA")
        changed.append((token, str(order["id"])))
    return changed


def steady_cycle(simulator, *, shops: int, per_shop: int, interval: float) -> dict:
    from django.db.models import Count

    from shops.models import DropiOrder, DropiOrderEvent

    calls_before = simulator.count("orders_list")
    started = time.monotonic()
    changer = threading.Thread(
        target=change_statuses,
        kwargs={"simulator": simulator, "shops": shops, "per_shop": per_shop, "over_seconds": interval},
    )
    changer.start()
    changer.join()
    expected = shops * per_shop
    recorded = DropiOrder.objects.filter(shop__startswith=PREFIX, shipping_stage="guide_generated")
    wait_for(lambda: recorded.count() >= expected, interval * 3 + 120)
    seconds = time.monotonic() - started
    latencies = sorted(
        (row["updated_at"] - row["dropi_status_changed_at"]).total_seconds()
        for row in recorded.values("updated_at", "dropi_status_changed_at")
    )
    lines = Counter(
        DropiOrderEvent.objects.filter(order__in=recorded, detail__stage="guide_generated")
        .values("order_id")
        .annotate(count=Count("id"))
        .values_list("count", flat=True)
    )
    return {
        "recorded": len(latencies),
        "expected": expected,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
        "calls_per_shop_per_cycle": (simulator.count("orders_list") - calls_before) / shops / (seconds / interval),
        "lines": dict(lines),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=500)
    parser.add_argument("--orders", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval-minutes", type=int, default=2)
    parser.add_argument("--changes-per-shop", type=int, default=10)
    options = parser.parse_args()
    # The database queue, as the workers use it: the syncs queued here are theirs to run.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    setup_django()
    from simulators.dropi import DropiSimulator

    simulator = DropiSimulator(latency=0.1)
    simulator.start()
    reset(simulator, shops=options.shops, orders=options.orders)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": bench_database_url(),
        "CACHE_URL": "",  # production's default (the database): pauses and spacing shared by the workers
        "DROPI_API_URLS": ",".join(f"{country}={url}" for country, url in simulator.api_urls().items()),
        "DROPI_TRACKING_INTERVAL_MINUTES": str(options.interval_minutes),
        "DROPI_TRACKING_CALL_SPACING_SECONDS": "1.0",
        "LOG_LEVEL": "WARNING",
    }
    workers = start_workers(env, options.workers)
    try:
        first = first_cycle(simulator, options.shops)
        steady = steady_cycle(
            simulator, shops=options.shops, per_shop=options.changes_per_shop, interval=options.interval_minutes * 60.0
        )
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=60)
        simulator.stop()

    print(
        f"\n{options.shops} shops × {options.orders} open orders, {options.workers} task workers, "
        f"Dropi 100 ms per call, ≥ 1 s between calls to one account, interval {options.interval_minutes} min"
    )
    print(f"  first cycle   {first['seconds']:.1f} s for all shops ({options.shops / first['seconds']:.1f} shops/s)")
    print(f"                Dropi calls per shop: {dict(first['calls'])} (total {first['dropi_calls']})")
    print(
        f"  steady        {steady['recorded']:,} of {steady['expected']:,} changes recorded; "
        f"Dropi calls per shop per cycle {steady['calls_per_shop_per_cycle']:.2f}"
    )
    print(
        f"  change in Dropi → recorded (and handed to the transition hook)  p50 {steady['p50']:.1f} s  "
        f"p99 {steady['p99']:.1f} s  max {steady['max']:.1f} s"
    )
    print(f"  history lines per change: {steady['lines']}")


if __name__ == "__main__":
    main()
