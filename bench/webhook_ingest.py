"""Webhook intake under load: gunicorn (2 workers) + MySQL/MariaDB, beside a bare view.

Sends signed Shopify deliveries (default 20,000, 10 % of them repeats of an earlier event,
some while the original is still in flight) at a fixed concurrency to POST /webhooks, and the
same requests to a bare view that only answers 200 (bench/webhook_ingest_app.py) on the same
gunicorn in the same run. Prints throughput and p50/p99/max latency of both, their ratio, and
rows stored vs unique events (must be equal: nothing lost, nothing doubled). Then stops the
server and lets `manage.py worker --batch` drain the inbox, printing events/s.

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/webhook_ingest.py
    (options: --deliveries 20000 --concurrency 32 --duplicates 0.10 --web-workers 2 --threads 1
     --drain-workers 1 --block 2000 --no-drain)

The load generator is asyncio on loopback, one connection per request (gunicorn's sync
workers close each connection), sharing the machine's cores with the server and the database.
Bare and webhook requests alternate in blocks so both meet the same background load; the
CPU columns (Linux /proc) split each request's cost between gunicorn, a local database server
and the load generator.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from common import ROOT, setup_django

SHOPS = 200
TOPICS = (("orders/create", 0.7), ("checkouts/update", 0.2), ("app/scopes_update", 0.1))
REQUEST_TIMEOUT = 30.0


def order_payload(number: int, shop: str, randomiser: random.Random) -> dict:
    """An orders/create-shaped payload of about 3 KB."""
    items = [
        {
            "id": 10_000_000 + number * 10 + line,
            "name": f"Reloj inteligente modelo {line} — edición ñ ⌚",
            "title": "Reloj inteligente",
            "quantity": randomiser.randint(1, 3),
            "price": f"{randomiser.randint(50, 500)}.00",
            "sku": f"RJ-{line}-{number % 97}",
            "variant_id": 44_000_000 + line,
            "product_id": 8_000_000 + line,
            "vendor": "Dropi",
            "requires_shipping": True,
            "taxable": True,
        }
        for line in range(randomiser.randint(1, 4))
    ]
    address = {
        "first_name": "Ana",
        "last_name": "Pérez",
        "name": "Ana Pérez",
        "address1": f"Calle {number % 120} # {number % 77}-{number % 50}",
        "address2": "Apto 301",
        "city": "Medellín",
        "province": "Antioquia",
        "country": "Colombia",
        "zip": "050021",
        "phone": f"+5730{number % 10**8:08d}",
        "country_code": "CO",
        "province_code": "ANT",
    }
    return {
        "id": 5_000_000_000 + number,
        "admin_graphql_api_id": f"gid://shopify/Order/{5_000_000_000 + number}",
        "name": f"#{1000 + number}",
        "order_number": 1000 + number,
        "email": f"cliente{number}@example.com",
        "phone": address["phone"],
        "created_at": "2026-05-01T10:00:00-05:00",
        "updated_at": "2026-05-01T10:00:00-05:00",
        "currency": "COP",
        "total_price": "199900.00",
        "subtotal_price": "189900.00",
        "total_tax": "10000.00",
        "financial_status": "pending",
        "fulfillment_status": None,
        "gateway": "Cash on Delivery (COD)",
        "source_name": "web",
        "tags": "",
        "note": "",
        "note_attributes": [],
        "customer": {"id": 7_000_000 + number % 5000, "email": f"cliente{number}@example.com", **address},
        "shipping_address": address,
        "billing_address": address,
        "line_items": items,
        "shop": shop,
    }


def build_deliveries(total: int, duplicate_share: float, *, secret: str, port: int) -> tuple[list[bytes], int]:
    """Raw HTTP requests for POST /webhooks in sending order, and the number of unique events.

    Each repeat follows its original within 1-64 positions (often while it is in flight) with
    the same event id and body and a new webhook id, as Shopify's retries do."""
    from connector.shopify.webhooks import signed_delivery_headers

    randomiser = random.Random(42)
    unique = total - round(total * duplicate_share)
    events = []
    for number in range(unique):
        shop = f"bench-{number % SHOPS:04d}.myshopify.com"
        topic = randomiser.choices([name for name, _ in TOPICS], weights=[share for _, share in TOPICS])[0]
        if topic == "app/scopes_update":
            payload = {"id": number, "previous": ["read_orders"], "current": ["read_orders", "write_orders"]}
        else:
            payload = order_payload(number, shop, randomiser)
            if topic == "checkouts/update":  # a checkout is keyed by its token
                token = uuid.UUID(int=randomiser.getrandbits(128)).hex
                payload |= {"token": token, "abandoned_checkout_url": f"https://{shop}/checkouts/{token}/recover"}
        events.append((topic, shop, str(uuid.UUID(int=randomiser.getrandbits(128))), json.dumps(payload).encode()))
    order: list[int] = list(range(unique))
    for original in randomiser.sample(range(unique), total - unique):
        position = order.index(original) + randomiser.randint(1, 64)
        order.insert(min(position, len(order)), original)

    requests = []
    for index in order:
        topic, shop, event_id, body = events[index]
        headers = signed_delivery_headers(
            body,
            secret=secret,
            topic=topic,
            shop=shop,
            webhook_id=str(uuid.UUID(int=randomiser.getrandbits(128))),
            event_id=event_id,
            api_version="2026-10",
            triggered_at="2026-05-01T15:00:00.123456789Z",
        )
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        requests.append(
            (
                f"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\n"
                f"{head}Connection: close\r\n\r\n"
            ).encode()
            + body
        )
    return requests, unique


async def _send(port: int, request: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        response = await reader.read()  # until the server closes the connection
    finally:
        writer.close()
    return int(response[9:12] or 0), time.perf_counter() - started


async def _load(port: int, requests: list[bytes], concurrency: int) -> tuple[list[float], dict[int, int], float]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    position = 0

    async def client() -> None:
        nonlocal position
        while position < len(requests):
            request = requests[position]
            position += 1
            try:
                status, latency = await asyncio.wait_for(_send(port, request), REQUEST_TIMEOUT)
            except (OSError, TimeoutError):
                status, latency = 0, REQUEST_TIMEOUT
            statuses[status] = statuses.get(status, 0) + 1
            latencies.append(latency)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - started


def load(port: int, requests: list[bytes], concurrency: int) -> None:
    """Send ``requests`` without measuring (warm-up)."""
    asyncio.run(_load(port, requests, concurrency))


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux /proc; 0 elsewhere)."""
    total = 0
    ticks = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def server_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    return [server.pid, *workers]


def database_pids() -> list[int]:
    """The local MySQL/MariaDB server, when it runs on this machine (for the CPU split)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() in ("mariadbd", "mysqld"):
                found.append(int(stat.parent.name))
        except OSError:
            continue
    return found


class Phase:
    """Latencies, statuses, elapsed time and CPU split of one kind of request, over blocks."""

    def __init__(self, server: subprocess.Popen) -> None:
        self.groups = {"server": server_pids(server), "database": database_pids(), "client": [os.getpid()]}
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.seconds = 0.0
        self.cpu = dict.fromkeys(self.groups, 0.0)
        self.load_averages: list[float] = []

    def run(self, port: int, requests: list[bytes], concurrency: int) -> None:
        before = {name: cpu_seconds(pids) for name, pids in self.groups.items()}
        latencies, statuses, elapsed = asyncio.run(_load(port, requests, concurrency))
        for name, pids in self.groups.items():
            self.cpu[name] += cpu_seconds(pids) - before[name]
        self.latencies += latencies
        for status, count in statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.seconds += elapsed
        self.load_averages.append(os.getloadavg()[0])

    def figures(self) -> dict:
        ordered = sorted(self.latencies)
        count = len(ordered)
        return {
            "requests": count,
            "throughput": count / self.seconds,
            "p50": statistics.median(ordered) * 1000,
            "p99": ordered[int(count * 0.99) - 1] * 1000,
            "max": ordered[-1] * 1000,
            "statuses": self.statuses,
            "load_average": statistics.mean(self.load_averages),
            **{f"cpu_{name}": seconds * 1000 / count for name, seconds in self.cpu.items()},
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment() -> dict[str, str]:
    # setup_django() pointed DATABASE_URL at the bench database and filled the test secrets in;
    # the server runs production settings with them.
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "connector.settings",
        "DEBUG": "false",
        "TASKS_BACKEND": "database",
        "CACHE_URL": "",  # production's default (the database): not the test run's local memory
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_MANIFEST": "false",
        "LOG_LEVEL": "INFO",
    }


def start_gunicorn(port: int, workers: int, threads: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "webhook_ingest_app:application",
        "--pythonpath",
        f"{ROOT},{ROOT / 'bench'}",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--backlog",
        "2048",
        "--timeout",
        "30",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    log = log_path.open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=server_environment(), stdout=log, stderr=log)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit(f"gunicorn did not start; see {log_path}")


def reset_inbox() -> None:
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from webhooks.models import WebhookEvent

    with connection.cursor() as cursor:
        for model in (WebhookEvent, DBTaskResult):
            cursor.execute(f"TRUNCATE TABLE {model._meta.db_table}")


def create_sessions() -> None:
    """Offline sessions for the bench shops, so app/scopes_update has something to update."""
    from connector.models import ShopifySession

    ShopifySession.objects.filter(shop__startswith="bench-").delete()
    ShopifySession.objects.bulk_create(
        ShopifySession(
            id=f"offline_bench-{number:04d}.myshopify.com",
            shop=f"bench-{number:04d}.myshopify.com",
            scope="read_orders",
            access_token=f"shpat_bench_{number:04d}",
        )
        for number in range(SHOPS)
    )


def in_process_intake(requests: list[bytes], count: int) -> tuple[float, float]:
    """Median and p99 server time (ms) of the intake view through Django's test client, one
    request at a time: what a request costs without queueing."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    timings = []
    for raw in requests[:count]:
        head, body = raw.split(b"\r\n\r\n", 1)
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
        extra = {
            name: value for name, value in headers.items() if name.startswith("X-Shopify") or name == "Content-Type"
        }
        content_type = extra.pop("Content-Type")
        started = time.perf_counter()
        response = client.generic("POST", "/webhooks", body, content_type=content_type, headers=extra)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def drain(workers: int, log_dir: Path) -> dict:
    from django.db.models import Count, Max, Min
    from django_tasks_db.models import DBTaskResult

    from webhooks.models import WebhookEvent

    command = [sys.executable, "manage.py", "worker", "--batch", "--no-startup-delay", "--no-reload", "-v", "0"]
    started = time.perf_counter()
    processes = []
    for number in range(workers):
        log = (log_dir / f"drain-worker-{number}.log").open("w")
        processes.append(
            subprocess.Popen(  # noqa: S603
                [*command, "--worker-id", f"drain-{number}"], cwd=ROOT, env=server_environment(), stdout=log, stderr=log
            )
        )
    for process in processes:
        process.wait()
    wall = time.perf_counter() - started
    window = DBTaskResult.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
    busy = (window["last"] - window["first"]).total_seconds() if window["first"] and window["last"] else wall
    statuses = dict(WebhookEvent.objects.values_list("state").annotate(count=Count("id")).order_by())
    handled = sum(statuses.values()) - statuses.get("pending", 0)
    return {"wall": wall, "busy": busy, "handled": handled, "statuses": statuses}


def line(name: str, figures: dict) -> str:
    return (
        f"{name:22} {figures['throughput']:9.0f} {figures['p50']:8.1f} {figures['p99']:8.1f} "
        f"{figures['max']:8.1f} {figures['cpu_server']:9.2f} {figures['cpu_database']:6.2f} "
        f"{figures['cpu_client']:6.2f} {figures['load_average']:6.1f}   {figures['statuses']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duplicates", type=float, default=0.10)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread when > 1)")
    parser.add_argument("--drain-workers", type=int, default=1)
    parser.add_argument("--no-drain", action="store_true", help="skip the drain phase")
    parser.add_argument("--block", type=int, default=2000, help="requests per alternating block")
    options = parser.parse_args()

    os.environ["TASKS_BACKEND"] = "database"  # the in-process figure uses the real queue too
    os.environ["CACHE_URL"] = ""  # the database cache, shared with the server (a local one is refused)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # this process only; the server logs at INFO
    setup_django()
    from django.conf import settings

    log_dir = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))  # noqa: S108
    port = free_port()
    requests, unique = build_deliveries(
        options.deliveries, options.duplicates, secret=settings.SHOPIFY_API_SECRET, port=port
    )
    bare_requests = [request.replace(b"POST /webhooks ", b"POST /bench/bare ", 1) for request in requests]
    print(
        f"{len(requests):,} deliveries ({unique:,} events + {len(requests) - unique:,} repeats), "
        f"concurrency {options.concurrency}, gunicorn {options.web_workers} "
        + (f"gthread workers × {options.threads} threads" if options.threads > 1 else "sync workers")
    )

    reset_inbox()
    create_sessions()
    median_ms, p99_ms = in_process_intake(requests[unique // 2 :], 1000)
    reset_inbox()

    server = start_gunicorn(port, options.web_workers, options.threads, log_dir / "webhook_ingest_gunicorn.log")
    try:
        load(port, bare_requests[:1000], options.concurrency)  # warm-up: workers, imports, connections
        load(port, requests[-1000:], options.concurrency)
        reset_inbox()
        # Alternate blocks of both kinds so that both meet the same background load.
        bare_phase, intake_phase = Phase(server), Phase(server)
        for start in range(0, len(requests), options.block):
            bare_phase.run(port, bare_requests[start : start + options.block], options.concurrency)
            intake_phase.run(port, requests[start : start + options.block], options.concurrency)
        bare, intake = bare_phase.figures(), intake_phase.figures()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from webhooks.models import WebhookEvent

    stored = WebhookEvent.objects.count()
    distinct = WebhookEvent.objects.values("shop", "topic", "event_id").annotate(n=Count("id")).count()
    tasks = DBTaskResult.objects.count()
    # Polled (settings.WORKER_POLLED_JOBS): the event row is the queue, no task is written.
    expected_tasks = 0 if "webhooks.services.inbox.WEBHOOK_EVENT" in settings.WORKER_POLLED_JOBS else stored

    print(
        f"\n{'':22} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'CPU ms/request: server':>22} {'db':>6} {'client':>6} {'load':>6}   statuses"
    )
    print(line("bare view (200 only)", bare))
    print(line("POST /webhooks", intake))
    ratio = intake["throughput"] / bare["throughput"]
    print(f"\nwebhook / bare throughput: {ratio:.2f}   (goal ≥ 0.50)")
    print(f"webhook p99: {intake['p99']:.1f} ms   (goal < 50 ms)")
    print("previous design (event + task in one transaction), recorded: 0.28×, p99 68 ms on a quiet machine (load 1)")
    print(f"in-process intake time, one request at a time: median {median_ms:.2f} ms, p99 {p99_ms:.2f} ms")
    print(
        f"rows stored {stored:,} / unique events {unique:,} (distinct keys {distinct:,}, tasks {tasks:,}): "
        f"{'OK, nothing lost or doubled' if stored == unique == distinct and tasks == expected_tasks else 'MISMATCH'}"
    )

    if options.no_drain:
        return
    result = drain(options.drain_workers, log_dir)
    print(
        f"\ndrain: {options.drain_workers} worker --batch: {result['handled']:,} events in "
        f"{result['busy']:.1f} s of processing ({result['handled'] / result['busy']:.0f} events/s; "
        f"{result['wall']:.1f} s wall with start-up) → {result['statuses']}"
    )
    if stored != unique or intake["statuses"].get(200, 0) != len(requests):
        sys.exit(1)


if __name__ == "__main__":
    main()
