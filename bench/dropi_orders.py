"""Placing Dropi orders at volume: confirmed orders → `manage.py worker` processes → Dropi, once each.

2,000 orders over 20 shops in ``app_on_confirm`` mode, recorded by the real services (the
``orders/create`` recording, then the bot's ``confirm`` action), so each waits as a queued
placement; then ``--workers`` real `manage.py worker` processes place them in the Dropi
simulator (a threaded HTTP server in this process, answering every call after 150 ms) and tag
them in the Shopify simulator. Run 1: Dropi healthy. Run 2: 20 % of Dropi's order calls fail,
drawn from a seeded generator — half answer 503 before doing anything, half fail *after*
acting (a create stores the order, then answers 502 or only after the app's read timeout: the
ambiguous case the placement resolves by looking the order up). Prints orders placed per
second, Dropi calls per order and, from the simulator's own store, how many Dropi orders each
Shopify order got (0 = lost, > 1 = duplicated), each against its goal.

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/dropi_orders.py
    (options: --shops 20 --orders-per-shop 100 --workers 4 --latency 0.15 --failure-rate 0.2
     --runs healthy,faulty --locations; the workers' output goes to a file in the temp directory)

Exits 1 when a goal is missed. Not a test: bench/tests/test_dropi_orders_smoke.py is.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from common import ROOT, bench_database_url, setup_django
from webhook_ingest import cpu_seconds

COUNTRY = "CO"
VARIABLE_ID, SIMPLE_ID = 880001, 880002
SHOPIFY_PRODUCT, SHOPIFY_SIMPLE = 41, 42
HTTP_TIMEOUT = 1.0  # the app's read timeout in the bench; a stalled answer comes after 1.3 s
GOALS = {"healthy": 1.1, "faulty": 2.0}  # Dropi calls per order
ORDER_KINDS = ("orders_create", "orders_list", "order_detail", "departments", "cities")


def shop_name(index: int) -> str:
    return f"bench-dropi-{index:02d}.myshopify.com"


def token_of(index: int) -> str:
    return f"bench-dropi-token-{index:02d}-0123456789"


def order_id_of(shop_index: int, index: int) -> int:
    return 8_100_000_000 + shop_index * 100_000 + index


@dataclass
class Simulators:
    dropi: Any
    shopify: Any

    def stop(self) -> None:
        self.dropi.stop()
        self.shopify.stop()


def simulators_start(*, latency: float) -> Simulators:
    """The Dropi simulator answering after ``latency`` s, and a Shopify simulator answering at once."""
    from django.conf import settings

    from simulators.dropi import DropiSimulator
    from simulators.shopify import ShopifySimulator

    dropi = DropiSimulator(latency=latency)
    dropi.start()
    shopify = ShopifySimulator(api_key=settings.SHOPIFY_API_KEY, api_secret=settings.SHOPIFY_API_SECRET)
    shopify.start()
    _quiet_when_the_client_left(dropi)
    return Simulators(dropi=dropi, shopify=shopify)


def _quiet_when_the_client_left(simulator: Any) -> None:
    """A stalled answer is written after the app's timeout, to a closed socket: expected here,
    so its traceback is not printed (other errors still are)."""
    server = simulator._server
    print_error = server.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            print_error(request, client_address)

    server.handle_error = handle_error


def shops_prepare(simulators: Simulators, shops: int) -> None:
    """Each shop installed, with its own Dropi account (a variable and a simple product) linked
    to two Shopify products, a Shopify session, and ``app_on_confirm`` placement."""
    from connector.models import ShopifySession
    from products.models import ProductAssociation, VariantMapping
    from shops.models import ShopConfiguration
    from shops.services import shop_install
    from simulators.dropi import dropi_product

    for index in range(shops):
        shop, token = shop_name(index), token_of(index)
        simulators.dropi.add_account(token, country=COUNTRY)
        variable = simulators.dropi.add_product(
            token, dropi_product(name="Reloj", product_id=VARIABLE_ID, variations=2)
        )
        simulators.dropi.add_product(token, dropi_product(name="Correa", product_id=SIMPLE_ID))
        shop_install(shop=shop)
        configuration = ShopConfiguration.objects.get(shop=shop)
        configuration.dropi_token = token
        configuration.dropi_country = COUNTRY
        configuration.dropi_store_name = f"Tienda {index}"
        configuration.dropi_order_mode = "app_on_confirm"
        configuration.save()
        ShopifySession.objects.update_or_create(
            id=f"offline_{shop}", defaults={"shop": shop, "access_token": simulators.shopify.issue_token(shop)}
        )
        ProductAssociation.objects.filter(shop=shop).delete()
        association = ProductAssociation.objects.create(
            shop=shop,
            dropi_product_id=str(VARIABLE_ID),
            shopify_product_id=f"gid://shopify/Product/{SHOPIFY_PRODUCT}",
            import_type=ProductAssociation.ImportType.LINK,
            dropi_variations=[{"id": item["id"], "sku": item["sku"]} for item in variable["variations"]],
        )
        for position, variation in enumerate(variable["variations"], start=1):
            VariantMapping.objects.create(
                association=association,
                dropi_variation_id=str(variation["id"]),
                shopify_variant_id=f"gid://shopify/ProductVariant/{SHOPIFY_PRODUCT}{position}",
            )
        ProductAssociation.objects.create(
            shop=shop,
            dropi_product_id=str(SIMPLE_ID),
            shopify_product_id=f"gid://shopify/Product/{SHOPIFY_SIMPLE}",
            import_type=ProductAssociation.ImportType.LINK,
            dropi_variations=[],
        )


def order_payload(shop_index: int, index: int) -> dict[str, Any]:
    """An ``orders/create`` payload: one line of each linked product, cash on delivery, Bogotá."""
    order_id = order_id_of(shop_index, index)
    return {
        "id": order_id,
        "name": f"#D{shop_index:02d}{index:05d}",
        "currency": "COP",
        "total_price": "129900.00",
        "financial_status": "pending",
        "gateway": "Cash on Delivery (COD)",
        "payment_gateway_names": ["Cash on Delivery (COD)"],
        "email": f"cliente{index}@example.com",
        "phone": f"+57300{1_000_000 + index:07d}",
        "line_items": [
            {
                "id": 1,
                "product_id": SHOPIFY_PRODUCT,
                "variant_id": int(f"{SHOPIFY_PRODUCT}{1 + index % 2}"),
                "title": "Reloj",
                "variant_title": "Negro",
                "quantity": 1 + index % 3,
                "price": "49950.00",
            },
            {
                "id": 2,
                "product_id": SHOPIFY_SIMPLE,
                "variant_id": 421,
                "title": "Correa",
                "quantity": 1,
                "price": "30000.00",
            },
        ],
        "customer": {"id": 5000 + index, "first_name": "Cliente", "last_name": str(index)},
        "shipping_address": {
            "first_name": "Cliente",
            "last_name": str(index),
            "address1": f"Calle {index % 90 + 1} # 10-20",
            "city": "Bogotá",
            "province": "Cundinamarca",
            "province_code": "DC",
            "country_code": COUNTRY,
            "zip": "110111",
        },
    }


def orders_confirm(simulators: Simulators, *, shops: int, per_shop: int) -> list[tuple[int, str]]:
    """Record every order as its ``orders/create`` webhook does and confirm it as the bot's
    callback does (``app_on_confirm``: this queues its placement); [(shop index, order id)]."""
    from shops.models import DropiOrder, ShopConfiguration
    from shops.services.bot_actions import callback_action_apply
    from shops.services.dropi_orders import dropi_order_record
    from simulators.shopify_orders import add_order

    confirmed = []
    for shop_index in range(shops):
        shop = shop_name(shop_index)
        configuration = ShopConfiguration.objects.get(shop=shop)
        for index in range(per_shop):
            payload = order_payload(shop_index, index)
            add_order(simulators.shopify, shop, name=payload["name"], order_id=payload["id"])
            order, _created = dropi_order_record(shop=shop, order=payload)
            assert order is not None
            assert order.state == DropiOrder.State.AWAITING, order.state
            outcome = callback_action_apply(
                configuration=configuration,
                action="confirm",
                action_id=f"confirm-{payload['id']}",
                body={},
                order_id=str(payload["id"]),
                order_name=None,
            )
            assert outcome.order.state == DropiOrder.State.QUEUED, outcome.order.state
            confirmed.append((shop_index, str(payload["id"])))
    return confirmed


def reset(simulators: Simulators, *, shops: int) -> None:
    """No Dropi orders, tasks, simulator orders or counted calls left from an earlier run."""
    from django_tasks_db.models import DBTaskResult

    from shops.models import DropiOrder

    names = [shop_name(index) for index in range(shops)]
    DropiOrder.objects.filter(shop__in=names).delete()
    DBTaskResult.objects.all().delete()
    with simulators.dropi.orders._lock:
        simulators.dropi.orders.orders.clear()
    simulators.dropi.orders.fail_randomly(0.0)
    for simulator in (simulators.dropi, simulators.shopify):
        with simulator.lock:
            simulator.requests.clear()
            simulator.calls.clear()
    for name in names:
        simulators.shopify.shop_data.setdefault(name, {})["orders"] = []


def worker_environment(simulators: Simulators, database_url: str, *, locations: bool = False) -> dict[str, str]:
    """The workers' settings: the simulators, short retries, and Dropi's location lists only
    with ``locations`` (``DROPI_LOCATIONS_ENABLED``; each worker process caches them)."""
    urls = ",".join(f"{country}={url}" for country, url in simulators.dropi.api_urls().items())
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": database_url,
        "DROPI_API_URLS": urls,
        "SHOPIFY_ADMIN_ORIGIN": simulators.shopify.origin_template(),
        "HTTP_TIMEOUT_SECONDS": str(HTTP_TIMEOUT),
        "DROPI_ORDER_RETRY_BASE_SECONDS": "0.5",
        "DROPI_ORDER_RETRY_MAX_SECONDS": "4",
        "DROPI_LOCATIONS_ENABLED": "true" if locations else "false",
        "LOG_LEVEL": "WARNING",
    }


def workers_start(env: dict[str, str], count: int, log: Path) -> list[subprocess.Popen]:
    """``count`` worker processes; their output (the app's warnings about each failed Dropi
    call, tracebacks if any) goes to ``log``."""
    command = [sys.executable, "manage.py", "worker", "--queue-name", "default", "--interval", "0.05"]
    command += ["--no-startup-delay", "--no-reload", "-v", "0"]
    with log.open("ab") as output:
        return [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
            for _ in range(count)
        ]


def workers_stop(workers: list[subprocess.Popen]) -> None:
    for process in workers:
        process.terminate()
    for process in workers:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


SETTLED = ("placed", "failed", "address", "needs_link", "cancelled")


def wait_until_settled(*, shops: int, total: int, timeout: float) -> tuple[float, float]:
    """Wait until every order has settled; (seconds until all had a Dropi id, until all settled)."""
    from shops.models import DropiOrder

    rows = DropiOrder.objects.filter(shop__in=[shop_name(index) for index in range(shops)])
    started = time.monotonic()
    in_dropi_at = None
    while time.monotonic() - started < timeout:
        if in_dropi_at is None and rows.exclude(dropi_order_id="").count() >= total:
            in_dropi_at = time.monotonic() - started
        if rows.filter(state__in=SETTLED).count() >= total:
            break
        time.sleep(0.25)
    settled = time.monotonic() - started
    return (in_dropi_at if in_dropi_at is not None else settled), settled


@dataclass
class Result:
    orders: int
    seconds_in_dropi: float
    seconds_settled: float
    calls: Counter[str]
    states: Counter[str]
    per_order: Counter[int]  # Dropi orders per Shopify order → how many Shopify orders
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)
    attempts: int = 0
    tagged: int = 0
    worker_cpu_seconds: float = 0.0  # user + system, all worker processes together
    load_average: float = 0.0  # the machine's, at the end of the run (1 minute)

    @property
    def dropi_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def lost(self) -> int:
        return self.per_order.get(0, 0)

    @property
    def duplicated(self) -> int:
        return sum(count for orders, count in self.per_order.items() if orders > 1)


def tally(simulators: Simulators, confirmed: list[tuple[int, str]], *, seconds: tuple[float, float]) -> Result:
    """Count from the simulators' own records what happened, and the orders' states."""
    from django.db.models import Sum

    from shops.models import DropiOrder

    created: Counter[tuple[int, str]] = Counter()
    for shop_index in {shop for shop, _order in confirmed}:
        for item in simulators.dropi.orders.of(token_of(shop_index)):
            created[(shop_index, str(item["shop_order_id"]))] += 1
    rows = DropiOrder.objects.filter(shop__in=[shop_name(index) for index in {shop for shop, _ in confirmed}])
    with simulators.dropi.lock:
        calls = Counter({kind: count for kind, count in simulators.dropi.calls.items() if kind in ORDER_KINDS})
    return Result(
        orders=len(confirmed),
        seconds_in_dropi=seconds[0],
        seconds_settled=seconds[1],
        calls=calls,
        states=Counter(rows.values_list("state", flat=True)),
        per_order=Counter(created[key] for key in confirmed),
        failures=Counter(simulators.dropi.orders.failures_drawn),
        attempts=rows.aggregate(total=Sum("attempts"))["total"] or 0,
        tagged=rows.exclude(shopify_tagged_at=None).count(),
    )


def run(
    simulators: Simulators,
    *,
    database_url: str,
    shops: int,
    per_shop: int,
    workers: int,
    failure_rate: float,
    log: Path,
    locations: bool = False,
    timeout: float = 3600,
) -> Result:
    """One run: fresh orders confirmed, then placed by ``workers`` worker processes."""
    reset(simulators, shops=shops)
    confirmed = orders_confirm(simulators, shops=shops, per_shop=per_shop)
    simulators.dropi.orders.fail_randomly(failure_rate, stall_seconds=HTTP_TIMEOUT + 0.3, seed=14)
    processes = workers_start(worker_environment(simulators, database_url, locations=locations), workers, log)
    try:
        seconds = wait_until_settled(shops=shops, total=len(confirmed), timeout=timeout)
        cpu = cpu_seconds([process.pid for process in processes])
    finally:
        workers_stop(processes)
    result = tally(simulators, confirmed, seconds=seconds)
    return replace(result, worker_cpu_seconds=cpu, load_average=os.getloadavg()[0])


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(name: str, result: Result, *, goal: float) -> bool:
    """Print the run's figures against the goals; whether every goal was met."""
    per_order = result.dropi_calls / result.orders
    exactly_once = result.per_order.get(1, 0) == result.orders
    placed = result.states.get("placed", 0)
    print(f"\n{name}")
    print(
        f"  placed      {result.orders / result.seconds_in_dropi:.1f} orders/s in Dropi "
        f"({result.seconds_in_dropi:.1f} s); {result.orders / result.seconds_settled:.1f}/s placed and tagged "
        f"({result.seconds_settled:.1f} s)"
    )
    print(f"  states      {dict(result.states)}  tagged {result.tagged:,}  attempts {result.attempts:,}")
    print(
        f"  workers     {result.worker_cpu_seconds * 1000 / result.orders:.0f} ms CPU per order "
        f"(all processes); load average {result.load_average:.1f} at the end"
    )
    print(f"  Dropi calls {result.dropi_calls:,} {dict(result.calls)}")
    if result.failures:
        drawn = ", ".join(f"{kind} {when} {count}" for (kind, when), count in sorted(result.failures.items()))
        print(f"  failures    {sum(result.failures.values()):,} drawn ({drawn})")
    print(f"  calls/order {per_order:.2f} (goal ≤ {goal})  {verdict(per_order <= goal)}")
    print(
        f"  Dropi orders per Shopify order: exactly one {result.per_order.get(1, 0):,}, lost {result.lost}, "
        f"duplicated {result.duplicated}  {verdict(exactly_once)}"
    )
    return per_order <= goal and exactly_once and placed == result.orders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=20)
    parser.add_argument("--orders-per-shop", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.15, help="seconds before Dropi answers each call")
    parser.add_argument("--failure-rate", type=float, default=0.2, help="share of Dropi calls failing (faulty run)")
    parser.add_argument("--runs", default="healthy,faulty", help="which runs: healthy, faulty or both")
    parser.add_argument("--locations", action="store_true", help="DROPI_LOCATIONS_ENABLED in the workers")
    options = parser.parse_args()
    # The database queue here too: a confirm queues the placement for the workers.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    setup_django()
    simulators = simulators_start(latency=options.latency)
    log = Path(tempfile.gettempdir()) / "bench-dropi-orders-workers.log"
    log.write_text("")
    results = {}
    try:
        shops_prepare(simulators, options.shops)
        for key, rate in (("healthy", 0.0), ("faulty", options.failure_rate)):
            if key in options.runs.split(","):
                results[key] = run(
                    simulators,
                    database_url=bench_database_url(),
                    shops=options.shops,
                    per_shop=options.orders_per_shop,
                    workers=options.workers,
                    failure_rate=rate,
                    log=log,
                    locations=options.locations,
                )
    finally:
        simulators.stop()
    total = options.shops * options.orders_per_shop
    print(f"\nworkers' output: {log}")
    print(
        f"{total:,} confirmed orders over {options.shops} shops, {options.workers} `manage.py worker` processes, "
        f"Dropi answering after {options.latency * 1000:.0f} ms, app timeout {HTTP_TIMEOUT} s, "
        f"location lists {'on' if options.locations else 'off'}"
    )
    names = {"healthy": "Dropi healthy", "faulty": f"{options.failure_rate:.0%} of Dropi calls failing"}
    passed = [report(names[key], result, goal=GOALS[key]) for key, result in results.items()]
    sys.exit(0 if all(passed) else 1)


if __name__ == "__main__":
    main()
