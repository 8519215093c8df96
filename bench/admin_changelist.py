"""Admin changelist cost at 1,000 vs 1,000,000 product associations (MySQL/MariaDB).

Loads rows in bulk into the bench database, then measures the server time (median of 7 runs
through Django's test client, in process) and the query count of three admin pages:
the unfiltered changelist, searches (shop prefix, exact Dropi id, name prefix) and a filtered
page. Prints each figure and the ratio of the 1M-row figure to the 1k-row figure. Both sizes
have the same number of rows per shop, so a shop search returns as many rows at both.

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/admin_changelist.py
    (options: --rows 1000000 --small 1000 --rows-per-shop 100)
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
from collections.abc import Iterator

from common import bench_database_url, insert_rows, measure, setup_django

# Every search matches the same number of rows at both sizes (a shop has --rows-per-shop rows
# at both), so a ratio above 1 is the cost of the bigger table, not of a bigger answer.
PAGES = {
    "changelist": {},
    "search (shop prefix)": {"q": "shop-000007"},
    "search (Dropi id)": {"q": "D-424"},
    "search (name prefix)": {"q": "Producto Dropi 424 —"},
    "filtered (type + year)": {"import_type__exact": "create", "created_at__year": "2025"},
}
SEARCHED_SHOP_NUMBER, SEARCHED_ROW_NUMBER = 7, 424


def load_rows(target: int, *, shops: int) -> None:
    from django.db import connection

    from products.models import ProductAssociation

    table = ProductAssociation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT shop) FROM {table}")
        existing, existing_shops = cursor.fetchone()
    if existing > target or (existing and existing_shops != min(shops, existing)):
        # Rows from another size or shop density: start again.
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE TABLE {table}")
        existing = 0
    if existing == target:
        return
    started = time.perf_counter()
    randomiser = random.Random(existing)
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    span_seconds = int(datetime.timedelta(days=730).total_seconds())

    def rows() -> Iterator[dict[str, object]]:
        for number in range(existing, target):
            created = start + datetime.timedelta(seconds=randomiser.randrange(span_seconds))
            yield {
                "shop": f"shop-{number % shops:06d}.myshopify.com",
                "dropi_product_id": f"D-{number}",
                "shopify_product_id": f"gid://shopify/Product/{8_000_000_000 + number}",
                "dropi_product_name": f"Producto Dropi {number} — edición ñ ⌚",
                "shopify_product_title": f"Producto {number}",
                "import_type": "create" if number % 3 == 0 else "link",
                "dropi_variations": [{"id": 1, "sku": "SKU-1"}],
                "created_at": created,
                "updated_at": created,
            }

    insert_rows(ProductAssociation, rows(), batch_size=10_000)
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
    parser.add_argument("--rows-per-shop", type=int, default=100, help="the same at both sizes (default 100)")
    parser.add_argument("--shops", type=int, help=argparse.SUPPRESS)  # set by main for each phase
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.phase:
        run_phase(options.rows, options.shops)
        return
    if options.small <= SEARCHED_ROW_NUMBER or options.small // options.rows_per_shop <= SEARCHED_SHOP_NUMBER:
        parser.error(
            f"--small must exceed {SEARCHED_ROW_NUMBER} rows and {SEARCHED_SHOP_NUMBER} shops "
            "(the searched row and shop exist at both sizes)"
        )

    small = phase_in_subprocess(options.small, options.small // options.rows_per_shop, f"_{options.small}")
    large = phase_in_subprocess(options.rows, options.rows // options.rows_per_shop, f"_{options.rows}")

    print(
        f"\nadmin changelist, ProductAssociation: {options.small:,} rows vs {options.rows:,} rows, "
        f"{options.rows_per_shop} rows per shop"
    )
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
    worst_ratio = max(large[name][0] / small[name][0] for name in PAGES)
    print(f"\nworst page at {options.rows:,} rows: {worst_ms:.1f} ms, {worst_queries} queries (goal ≤ 300 ms, ≤ 8)")
    print(f"worst ratio {options.rows:,} / {options.small:,} rows: {worst_ratio:.2f} (goal: close to 1)")


if __name__ == "__main__":
    main()
