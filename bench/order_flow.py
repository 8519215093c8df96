"""Order automation end to end: orders/create webhooks → inbox → workers → Ecomdrop flow.

gunicorn (2 workers) + MySQL/MariaDB + 2 `manage.py worker` processes (each running up to
WORKER_CONCURRENCY rows at once), against the local Ecomdrop simulator answering after 20 ms
(``--latency``). Run 1: Ecomdrop healthy. Run 2: 30 % of Ecomdrop calls fail — half with a 503
(nothing done), half answering only after the client's timeout (done, but unconfirmed: the
ambiguous case; the app's HTTP timeout is 0.5 s in that run, 5 s in the healthy one). Prints
deliveries/s, p50/p99 from webhook receipt to flow sent, per-order counts of flows the simulator
actually received (0 = lost, >1 = duplicated) and how the app recorded the lost ones, Ecomdrop
calls per order, database statements and round trips per order (the server's own counters),
CPU milliseconds per order by process kind (Linux /proc), each worker's memory (RSS) and its
CPU while idle afterwards, next to the figures the previous design (one task row per event and
delivery, one at a time per worker) recorded.

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/order_flow.py
    (options: --orders 5000 --concurrency 16 --latency 0.02 --web 2 --workers 2
     --worker-concurrency 32 --runs healthy,failing --idle-seconds 10 --rate 150)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from common import ROOT, bench_database_url, free_port, setup_django, start_gunicorn
from db_server import STATEMENTS, counts_per_order, purge_settled, statement_counts
from http_load import run_load
from webhook_ingest import cpu_seconds, database_pids, server_pids

SHOP = "bench-orders.myshopify.com"
KEY = "bench-ecomdrop-key-0123456789"
TERMINAL = ("sent", "unconfirmed", "failed", "skipped")
CALL_KINDS = ("flows", "custom_fields", "find_contact", "create_contact", "set_field", "send_flow")
# What the previous design measured (docs/benchmarks.md): (orders, latency, failing) → figures.
PREVIOUS = {
    (5000, 0.02, False): "21/s (234 s), p50 124 s, p99 221 s — 2 task workers, one delivery at a time each",
    (5000, 0.02, True): "3/s (1,724 s), p50 879 s, p99 1,657 s",
    (1000, 0.02, False): "16/s (62 s), p50 36 s, p99 55 s (this machine, load 0.8, before the change)",
    (5000, 0.3, False): "about 2–3/s by arithmetic (3 calls of 300 ms per order, 2 workers)",
}


def reset() -> None:
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from shops.models import DropiOrder, FlowDelivery, ShopConfiguration
    from shops.services import shop_install
    from shops.services.delivery_job import FLOW_DELIVERY
    from webhooks.models import WebhookEvent

    # Every order is new to the app: its Dropi record (and history) is written again each run.
    DropiOrder.objects.filter(shop=SHOP).delete()
    FlowDelivery.objects.filter(shop=SHOP).delete()
    # Every shop's events: ones another bench left pending (bench/webhook_ingest.py --no-drain
    # leaves 18,000) would otherwise be processed by this run's workers and counted in its CPU.
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE TABLE {connection.ops.quote_name(WebhookEvent._meta.db_table)}")
    DBTaskResult.objects.all().delete()
    # Likewise every shop's unfinished deliveries (webhook_ingest's drain leaves cart reminders
    # of its 200 shops due an hour later): this run's workers would run them when they fall due.
    FlowDelivery.objects.filter(state__in=[*FLOW_DELIVERY.waiting_states, *FLOW_DELIVERY.running_states]).delete()
    shop_install(shop=SHOP)
    ShopConfiguration.objects.filter(shop=SHOP).update(nuevo_pedido_flow_id="9001")
    link_catalogue()
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    configuration.ecomdrop_api_key = KEY
    configuration.dropi_country = "CO"
    configuration.save()
    purge_settled()


def link_catalogue() -> None:
    """The shop's 50 products imported from Dropi, one variant each mapped to its variation,
    so every order line resolves to its Dropi product (as in a store selling Dropi products)."""
    from products.models import ProductAssociation, VariantMapping

    ProductAssociation.objects.filter(shop=SHOP).delete()
    for number in range(50):
        association = ProductAssociation.objects.create(
            shop=SHOP,
            dropi_product_id=str(500 + number),
            shopify_product_id=f"gid://shopify/Product/{8_000_000 + number}",
            import_type=ProductAssociation.ImportType.CREATE,
            dropi_variations=[{"id": 700 + number, "sku": f"RELOJ-{number}"}],
        )
        VariantMapping.objects.create(
            association=association,
            dropi_variation_id=str(700 + number),
            shopify_variant_id=f"gid://shopify/ProductVariant/{9_000_000 + number}",
        )


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
        # As Shopify sends them: product, variant and SKU (looked up in the shop's Dropi links).
        "line_items": [
            {
                "title": "Reloj",
                "quantity": 1,
                "price": "99900.00",
                "product_id": 8_000_000 + index % 50,
                "variant_id": 9_000_000 + index % 50,
                "sku": f"RELOJ-{index % 50}",
            }
        ],
        "shipping_address": {"city": "Bogotá", "country_code": "CO", "address1": "Calle 1"},
        "customer": {"id": 1000 + index, "first_name": "Cliente", "last_name": str(index)},
    }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen]:
    command = [
        sys.executable,
        "manage.py",
        "worker",
        "--queue-name",
        "default",
        "--interval",
        "1",  # production's: the task queue carries none of this bench's work (polled rows)
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


def harness_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(groups: dict[str, list[int]]) -> dict[str, float]:
    return {name: cpu_seconds(pids) for name, pids in groups.items()}


def run(*, simulator, options: argparse.Namespace, failures: bool) -> dict:
    from django.conf import settings

    from connector.shopify.webhooks import signed_delivery_headers

    orders = options.orders
    reset()
    simulator.accounts.clear()
    account = simulator.add_account(KEY)
    simulator.latency = options.latency
    simulator.failure_rate = 0.3 if failures else 0.0
    simulator.timeout_share = 0.5
    simulator.stall_seconds = 0.7  # the app gives up after 0.5 s
    calls_before = {kind: simulator.count(kind) for kind in CALL_KINDS}

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": bench_database_url(),
        "ECOMDROP_API_URL": simulator.base_api_url(),
        # Failing run: the app gives up after 0.5 s (the stalled calls answer after 0.7 s). Healthy
        # run: 5 s, so a simulator slowed by the load it shares the machine with is not a failure.
        "HTTP_TIMEOUT_SECONDS": "0.5" if failures else "5",
        "FLOW_DELIVERY_RETRY_BASE_SECONDS": "0.5",
        "FLOW_DELIVERY_RETRY_MAX_SECONDS": "4",
        "LOG_LEVEL": "WARNING",
    }
    if options.worker_concurrency is not None:
        env["WORKER_CONCURRENCY"] = str(options.worker_concurrency)
    port = free_port()
    server = start_gunicorn(port=port, workers=options.web, extra_env=env)
    workers = start_workers(env, options.workers)
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

    figures: dict = {}
    try:
        time.sleep(3)  # start-up (imports, first sweep) is not the orders' CPU
        groups = {
            "web": [server.pid, *server_pids(server)],
            "workers": [worker.pid for worker in workers],
            "database": database_pids(),
        }
        cpu_before = measure(groups)
        statements_before = statement_counts()
        harness_before = harness_cpu_seconds()
        started = time.monotonic()
        figures["intake"] = run_load(
            port=port, total=orders, concurrency=options.concurrency, request_for=request_for, rate=options.rate
        )
        finished = wait_until_done(orders, timeout=3600)
        cpu = {name: seconds - cpu_before[name] for name, seconds in measure(groups).items()}
        # This process: the load generator, the Ecomdrop simulator and the polling for the end.
        cpu["bench process"] = harness_cpu_seconds() - harness_before
        figures["cpu_ms_per_order"] = {name: seconds * 1000 / orders for name, seconds in cpu.items()}
        figures["statements_per_order"] = counts_per_order(statements_before, statement_counts(), orders)
        figures["rss_mb"] = [rss_mb(worker.pid) for worker in workers]
        idle_before = cpu_seconds(groups["workers"])
        time.sleep(options.idle_seconds)
        idle = cpu_seconds(groups["workers"]) - idle_before
        figures["idle_cpu_percent"] = idle * 100 / options.idle_seconds / len(workers)
    finally:
        for process in [*workers, server]:
            process.terminate()
        for process in [*workers, server]:
            process.wait(timeout=60)
    figures["seconds"] = finished - started
    figures["calls_per_order"] = {kind: (simulator.count(kind) - calls_before[kind]) / orders for kind in CALL_KINDS}
    return figures | outcome(account, orders)


def outcome(account, orders: int) -> dict:
    from shops.models import FlowDelivery
    from webhooks.models import WebhookEvent

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
    # What the app recorded for each order Ecomdrop never sent a flow for: "sent" would be a
    # lost flow; "unconfirmed" is the ambiguous case (no answer within the client's timeout,
    # never resent automatically), "failed" a spent retry budget — both visible and resendable.
    state_of = {int(row["shopify_object_id"]) - 7_000_000_000: row["state"] for row in deliveries}
    lost_states = Counter(
        state_of.get(index, "not recorded") for index in range(orders) if not sends_per_phone.get(phone_for(index))
    )
    latencies.sort()
    return {
        "statuses": dict(statuses),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": latencies[int(0.99 * (len(latencies) - 1))] if latencies else float("nan"),
        "lost": per_order.get(0, 0),
        "lost_states": dict(lost_states),
        "duplicated": sum(count for sends, count in per_order.items() if sends > 1),
        "once": per_order.get(1, 0),
        "events": len(received),
    }


def _recorded_as(states: dict[str, int]) -> str:
    """How the app recorded the orders whose flow never reached Ecomdrop: " (unconfirmed 8)"."""
    if not states:
        return ""
    return " (recorded " + ", ".join(f"{state} {count}" for state, count in sorted(states.items())) + ")"


def report(name: str, result: dict, options: argparse.Namespace, failing: bool) -> None:
    load = result["intake"]
    rate = options.orders / result["seconds"]
    calls = ", ".join(f"{kind} {count:.2f}" for kind, count in result["calls_per_order"].items() if count)
    cpu = ", ".join(f"{kind} {ms:.1f}" for kind, ms in result["cpu_ms_per_order"].items())
    print(f"\n{name}")
    print(f"  intake      {load.summary()}")
    print(f"  deliveries  {rate:.0f}/s end to end ({result['seconds']:.1f} s)")
    print(f"  receipt → flow sent  p50 {result['p50']:.0f} ms  p99 {result['p99']:.0f} ms")
    print(f"  states      {result['statuses']}  events stored {result['events']:,}")
    print(
        f"  flows received by Ecomdrop per order: exactly once {result['once']:,}, "
        f"lost {result['lost']}{_recorded_as(result['lost_states'])}, duplicated {result['duplicated']}"
    )
    print(f"  Ecomdrop calls per order: {calls}")
    print(f"  CPU ms per order: {cpu}")
    counts = result["statements_per_order"]
    statements = {kind: counts[kind] for kind in STATEMENTS}
    listed = ", ".join(f"{kind} {count:.2f}" for kind, count in statements.items())
    print(f"  database statements per order: {sum(statements.values()):.1f} ({listed})")
    print(
        f"  round trips to the database per order: {counts['questions']:.1f} (savepoints "
        f"{counts['savepoint'] + counts['release_savepoint']:.2f}, pings {counts['admin_commands']:.2f}, "
        f"SET autocommit {counts['set_option']:.2f})"
    )
    total = sum(result["cpu_ms_per_order"].values())
    cores = len(os.sched_getaffinity(0))
    ceiling = cores * 1000 / total
    # Paced arrivals cap the rate below the ceiling: "reached" means something only unpaced.
    reached = "" if options.rate else f" ({rate / ceiling:.2f} of that reached)"
    print(f"  CPU per order in all: {total:.1f} ms, so {cores} cores deliver at most {ceiling:.0f}/s{reached}")
    print(
        f"  workers: RSS {', '.join(f'{mb:.0f} MB' for mb in result['rss_mb'])}; "
        f"idle CPU {result['idle_cpu_percent']:.2f} % each over {options.idle_seconds:.0f} s"
    )
    previous = PREVIOUS.get((options.orders, options.latency, failing))
    print(f"  previous design: {previous or 'not recorded for these options'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.02, help="Ecomdrop simulator latency per call (s)")
    parser.add_argument("--web", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--workers", type=int, default=2, help="`manage.py worker` processes")
    parser.add_argument("--worker-concurrency", type=int, default=None, help="WORKER_CONCURRENCY of each worker")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument(
        "--rate", type=float, default=None, help="orders per second arriving steadily (default: as fast as accepted)"
    )
    parser.add_argument("--runs", default="healthy,failing", help="which runs: healthy, failing or both")
    options = parser.parse_args()
    wanted = set(options.runs.split(","))
    setup_django()
    from simulators.ecomdrop import EcomdropSimulator

    simulator = EcomdropSimulator(latency=options.latency)
    simulator.start()
    try:
        results = {}
        for name, key, failures in (("Ecomdrop healthy", "healthy", False), ("30 % failing", "failing", True)):
            if key in wanted:
                results[name] = (run(simulator=simulator, options=options, failures=failures), failures)
    finally:
        simulator.stop()

    print(
        f"\n{options.orders:,} orders/create webhooks, gunicorn {options.web} workers + {options.workers} "
        f"task workers (WORKER_CONCURRENCY {options.worker_concurrency or 'default'}), "
        f"Ecomdrop {options.latency * 1000:.0f} ms"
        + (f", orders arriving at {options.rate:.0f}/s" if options.rate else ", orders sent as fast as accepted")
    )
    for name, (result, failing) in results.items():
        report(name, result, options, failing)


if __name__ == "__main__":
    main()
