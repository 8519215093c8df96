"""Order automation end to end: orders/create webhooks → inbox → 2 workers → Ecomdrop flow.

gunicorn (2 workers) + MySQL/MariaDB + 2 `manage.py worker` processes, against the local
Ecomdrop simulator answering after 20 ms. Run 1: Ecomdrop healthy. Run 2: 30 % of Ecomdrop
calls fail — half with a 503 (nothing done), half answering only after the client's timeout
(done, but unconfirmed: the ambiguous case; the app's HTTP timeout is 0.5 s here). Prints
deliveries/s, p50/p99 from webhook receipt to flow sent, and per-order counts of flows the
simulator actually received (0 = lost, >1 = duplicated).

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/order_flow.py
    (options: --orders 5000 --concurrency 16)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter

from common import ROOT, bench_database_url, free_port, setup_django, start_gunicorn
from http_load import run_load

SHOP = "bench-orders.myshopify.com"
KEY = "bench-ecomdrop-key-0123456789"
TERMINAL = ("sent", "unconfirmed", "failed", "skipped")


def reset() -> None:
    from django_tasks_db.models import DBTaskResult

    from shops.models import FlowDelivery, ShopConfiguration
    from shops.services import shop_install
    from webhooks.models import WebhookEvent

    FlowDelivery.objects.filter(shop=SHOP).delete()
    WebhookEvent.objects.filter(shop=SHOP).delete()
    DBTaskResult.objects.all().delete()
    shop_install(shop=SHOP)
    ShopConfiguration.objects.filter(shop=SHOP).update(nuevo_pedido_flow_id="9001")
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    configuration.ecomdrop_api_key = KEY
    configuration.dropi_country = "CO"
    configuration.save()


def phone_for(index: int) -> str:
    return f"+57300{1000000 + index:07d}"


def order(index: int) -> dict:
    return {
        "id": 7_000_000_000 + index,
        "name": f"#B{index}",
        "currency": "COP",
        "total_price": "99900.00",
        "gateway": "Cash on Delivery (COD)",
        "phone": phone_for(index),
        "line_items": [{"title": "Reloj", "quantity": 1, "price": "99900.00"}],
        "shipping_address": {"city": "Bogotá", "country_code": "CO", "address1": "Calle 1"},
        "customer": {"id": 1000 + index, "first_name": "Cliente", "last_name": str(index)},
    }


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen]:
    command = [
        sys.executable,
        "manage.py",
        "worker",
        "--queue-name",
        "default",
        "--interval",
        "0.05",
        "--no-startup-delay",
        "--no-reload",
        "-v",
        "0",
    ]
    return [
        subprocess.Popen(command, cwd=ROOT, env={**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"})  # noqa: S603
        for _ in range(count)
    ]


def wait_until_done(total: int, timeout: float) -> float:
    from shops.models import FlowDelivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = FlowDelivery.objects.filter(shop=SHOP, state__in=TERMINAL).count()
        if done >= total:
            return time.monotonic()
        time.sleep(0.5)
    return time.monotonic()


def run(*, simulator, orders: int, concurrency: int, failures: bool) -> dict:
    from django.conf import settings

    from connector.shopify.webhooks import signed_delivery_headers
    from shops.models import FlowDelivery
    from webhooks.models import WebhookEvent

    reset()
    simulator.accounts.clear()
    account = simulator.add_account(KEY)
    simulator.failure_rate = 0.3 if failures else 0.0
    simulator.timeout_share = 0.5
    simulator.stall_seconds = 0.7  # the app gives up after 0.5 s

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": bench_database_url(),
        "ECOMDROP_API_URL": simulator.base_api_url(),
        "HTTP_TIMEOUT_SECONDS": "0.5",
        "FLOW_DELIVERY_RETRY_BASE_SECONDS": "0.5",
        "FLOW_DELIVERY_RETRY_MAX_SECONDS": "4",
        "LOG_LEVEL": "WARNING",
    }
    port = free_port()
    server = start_gunicorn(port=port, workers=2, extra_env=env)
    workers = start_workers(env, 2)
    bodies = [json.dumps(order(index)).encode() for index in range(orders)]

    def request_for(index: int) -> tuple[str, str, bytes, dict[str, str]]:
        headers = signed_delivery_headers(
            bodies[index],
            secret=settings.SHOPIFY_API_SECRET,
            topic="orders/create",
            shop=SHOP,
            webhook_id=f"wh-{index}",
            event_id=f"ev-{index}",
            api_version=settings.SHOPIFY_API_VERSION,
        )
        return "POST", "/webhooks", bodies[index], headers

    try:
        started = time.monotonic()
        load = run_load(port=port, total=orders, concurrency=concurrency, request_for=request_for)
        finished = wait_until_done(orders, timeout=3600)
    finally:
        for process in [*workers, server]:
            process.terminate()
        for process in [*workers, server]:
            process.wait(timeout=60)

    received = dict(WebhookEvent.objects.filter(shop=SHOP).values_list("event_id", "created_at"))
    deliveries = list(FlowDelivery.objects.filter(shop=SHOP).values("shopify_object_id", "state", "sent_at"))
    latencies = [
        (row["sent_at"] - received[f"ev-{int(row['shopify_object_id']) - 7_000_000_000}"]).total_seconds() * 1000
        for row in deliveries
        if row["sent_at"]
    ]
    statuses = Counter(row["state"] for row in deliveries)
    contacts = {contact.id: contact.phone for contact in account.contacts.values()}
    sends_per_phone = Counter(contacts[contact_id] for contact_id, _flow, _at in account.sends)
    per_order = Counter(sends_per_phone.get(phone_for(index), 0) for index in range(orders))
    latencies.sort()
    return {
        "intake": load,
        "seconds": finished - started,
        "statuses": dict(statuses),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "lost": per_order.get(0, 0),
        "duplicated": sum(count for sends, count in per_order.items() if sends > 1),
        "once": per_order.get(1, 0),
        "events": len(received),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", default="healthy,failing", help="which runs: healthy, failing or both")
    options = parser.parse_args()
    wanted = set(options.runs.split(","))
    setup_django()
    from simulators.ecomdrop import EcomdropSimulator

    simulator = EcomdropSimulator(latency=0.02)
    simulator.start()
    try:
        results = {}
        for name, key, failures in (("Ecomdrop healthy", "healthy", False), ("30 % failing", "failing", True)):
            if key in wanted:
                results[name] = run(
                    simulator=simulator, orders=options.orders, concurrency=options.concurrency, failures=failures
                )
    finally:
        simulator.stop()

    print(f"\n{options.orders:,} orders/create webhooks, gunicorn 2 workers + 2 task workers, Ecomdrop 20 ms")
    for name, result in results.items():
        load = result["intake"]
        print(f"\n{name}")
        print(f"  intake      {load.summary()}")
        print(f"  deliveries  {options.orders / result['seconds']:.0f}/s end to end ({result['seconds']:.1f} s)")
        print(f"  receipt → flow sent  p50 {result['p50']:.0f} ms  p99 {result['p99']:.0f} ms")
        print(f"  states      {result['statuses']}  events stored {result['events']:,}")
        print(
            f"  flows received by Ecomdrop per order: exactly once {result['once']:,}, "
            f"lost {result['lost']}, duplicated {result['duplicated']}"
        )


if __name__ == "__main__":
    main()
