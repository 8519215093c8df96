"""Admin changelist cost at 1,000 vs 1,000,000 product associations (MySQL/MariaDB).

Loads rows in bulk into the bench database, then measures the server time (median of 7 runs
through Django's test client, in process) and the query count of three admin pages:
the unfiltered changelist, a search and a filtered page. Prints each figure and the ratio of
the 1M-row figure to the 1k-row figure.

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/admin_changelist.py
    (options: --rows 1000000 --small 1000 --shops 10000)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time

from common import bench_database_url, measure, setup_django

PAGES = {
    "changelist": {},
    "search (shop prefix)": {"q": "shop-000042"},
    "search (Dropi id)": {"q": "D-424242"},
    "filtered (type + year)": {"import_type__exact": "create", "created_at__year": "2025"},
}


def load_rows(target: int, *, shops: int) -> None:
    from django.db import connection

    from products.models import ProductAssociation

    table = ProductAssociation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        (existing,) = cursor.fetchone()
    if existing > target:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE TABLE {table}")
        existing = 0
    if existing == target:
        return
    started = time.perf_counter()
    randomiser = random.Random(existing)
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    span_seconds = int(datetime.timedelta(days=730).total_seconds())
    sql = (
        f"INSERT INTO {table} (shop, dropi_product_id, shopify_product_id, dropi_product_name, "
        "shopify_product_title, import_type, dropi_variations, save_dropi_name, save_dropi_description, "
        "custom_price, use_suggested_barcode, save_dropi_images, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, 1, 1, NULL, 0, 1, %s, %s)"
    )
    batch = []
    for number in range(existing, target):
        created = start + datetime.timedelta(seconds=randomiser.randrange(span_seconds))
        batch.append(
            (
                f"shop-{number % shops:06d}.myshopify.com",
                f"D-{number}",
                f"gid://shopify/Product/{8_000_000_000 + number}",
                f"Producto Dropi {number} — edición ñ ⌚",
                f"Producto {number}",
                "create" if number % 3 == 0 else "link",
                '[{"id": 1, "sku": "SKU-1"}]',
                created,
                created,
            )
        )
        if len(batch) == 10_000:
            with connection.cursor() as cursor:
                cursor.executemany(sql, batch)
            batch.clear()
    if batch:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE TABLE {table}")
        cursor.fetchall()
    print(f"loaded {target - existing:,} rows in {time.perf_counter() - started:.1f} s")


def measure_pages() -> dict[str, tuple[float, int]]:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    user, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = reverse("admin:products_productassociation_changelist")
    results = {}
    for name, params in PAGES.items():

        def get(params: dict[str, str] = params) -> object:
            response = client.get(url, params)
            assert response.status_code == 200, response.status_code
            return response

        milliseconds, queries = measure(get)
        results[name] = (milliseconds, queries)
    return results


def run_phase(rows: int, shops: int) -> None:
    """Load (or reuse) ``rows`` rows in this process's database and print page figures as JSON."""
    setup_django()
    load_rows(rows, shops=shops)
    print("RESULT " + json.dumps(measure_pages()))


def phase_in_subprocess(rows: int, shops: int, suffix: str) -> dict[str, list[float]]:
    """Each size lives in its own database, kept between runs, so reruns need no reload."""
    env = {**os.environ, "BENCH_DATABASE_URL": bench_database_url(suffix=suffix)}
    command = [sys.executable, __file__, "--phase", "--rows", str(rows), "--shops", str(shops)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
        print(line)
    sys.exit(f"phase with {rows} rows failed:\n{result.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--shops", type=int, default=10_000)
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase:
        run_phase(options.rows, options.shops)
        return

    small = phase_in_subprocess(options.small, min(options.shops, options.small), f"_{options.small}")
    large = phase_in_subprocess(options.rows, options.shops, f"_{options.rows}")

    print(f"\nadmin changelist, ProductAssociation: {options.small:,} rows vs {options.rows:,} rows")
    print(f"{'page':26} {'ms @small':>10} {'ms @large':>10} {'ratio':>7} {'queries large/small':>20}")
    for name in PAGES:
        small_ms, small_queries = small[name]
        large_ms, large_queries = large[name]
        print(
            f"{name:26} {small_ms:10.1f} {large_ms:10.1f} {large_ms / small_ms:7.2f} "
            f"{large_queries:>14}/{small_queries}"
        )
    worst_ms = max(figures[0] for figures in large.values())
    worst_queries = max(figures[1] for figures in large.values())
    print(f"\nworst page at {options.rows:,} rows: {worst_ms:.1f} ms, {worst_queries} queries (goal ≤ 300 ms, ≤ 8)")


if __name__ == "__main__":
    main()
