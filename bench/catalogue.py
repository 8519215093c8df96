"""Productos: server time of the catalogue endpoint with a cached and an uncached Dropi page,
and of importing a 50-variant product (create and link), with the Shopify calls per import.

In process (Django's test client with a real session token, so authentication is included),
MySQL/MariaDB, local Dropi and Shopify simulators; Dropi answers after a simulated 300 ms.

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/catalogue.py
    (options: --repeat 7 --dropi-latency 0.3 --shopify-latency 0.0)
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import statistics
import time
from collections.abc import Callable

from common import setup_django

SHOP = "bench-catalogue.myshopify.com"
DROPI_TOKEN = "bench-dropi-token-0123456789"  # noqa: S105 (the local simulator's token)
PRODUCT_ID = 990050


def timed(action: Callable[[], object], *, repeat: int) -> tuple[float, list[object]]:
    """Median wall time in ms of ``action`` over ``repeat`` runs (after one warm-up) and the results."""
    action()
    timings, results = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        results.append(action())
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--dropi-latency", type=float, default=0.3)
    parser.add_argument("--shopify-latency", type=float, default=0.0)
    options = parser.parse_args()
    setup_django()
    logging.disable(logging.WARNING)

    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from connector.models import ShopifySession
    from connector.shopify.session_tokens import encode_session_token
    from products.models import ProductAssociation
    from products.services.catalogue import _detail_key
    from shops.models import ShopConfiguration
    from shops.services import dropi_access_get
    from simulators.dropi import DropiSimulator, dropi_product
    from simulators.shopify import ShopifySimulator
    from simulators.shopify_products import add_product

    dropi = DropiSimulator(latency=options.dropi_latency)
    shopify = ShopifySimulator(
        api_key=settings.SHOPIFY_API_KEY, api_secret=settings.SHOPIFY_API_SECRET, latency=options.shopify_latency
    )
    dropi.start()
    shopify.start()
    try:
        settings.DROPI_API_URLS = dropi.api_urls()
        settings.SHOPIFY_ADMIN_ORIGIN = shopify.origin_template()
        shopify.bucket(SHOP).maximum = shopify.bucket(SHOP).available = 1_000_000
        dropi.add_account(DROPI_TOKEN, country="CO")
        dropi.seed(DROPI_TOKEN, count=200, private=0)
        dropi.add_product(
            DROPI_TOKEN,
            dropi_product(name="Zapatillas urbanas", product_id=PRODUCT_ID, variations=50, images=5),
        )
        ProductAssociation.objects.filter(shop=SHOP).delete()
        ShopConfiguration.objects.update_or_create(
            shop=SHOP,
            defaults={
                "dropi_store_name": "Bench",
                "dropi_country": "CO",
                "dropi_token": DROPI_TOKEN,
                "installed_at": timezone.now(),
                "uninstalled_at": None,
            },
        )
        ShopifySession.objects.update_or_create(
            id=ShopifySession.offline_id(SHOP),
            defaults={"shop": SHOP, "access_token": shopify.issue_token(SHOP), "expires": None},
        )
        token = encode_session_token(
            shop=SHOP,
            api_key=settings.SHOPIFY_API_KEY,
            secret=settings.SHOPIFY_API_SECRET,
            lifetime=datetime.timedelta(minutes=30),
        )
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        cache.clear()

        def catalogue(page: int) -> dict:
            response = client.get("/app/api/dropi/products", {"page": str(page)})
            assert response.status_code == 200, response.content
            return response.json()

        pages = iter(range(2, 100))
        uncached_ms, uncached = timed(lambda: catalogue(next(pages)), repeat=options.repeat)
        cached_ms, cached = timed(lambda: catalogue(1), repeat=options.repeat)
        assert not any(item["cached"] for item in uncached)
        assert all(item["cached"] for item in cached)

        def calls() -> int:
            return sum(1 for request in shopify.requests if request.kind.startswith("graphql:"))

        def import_product(body: dict, *, forget_detail: bool) -> tuple[int, str]:
            if forget_detail:
                cache.delete(_detail_key(dropi_access_get(shop=SHOP), str(PRODUCT_ID)))
            before = calls()
            response = client.post("/app/api/products/import", json.dumps(body), content_type="application/json")
            assert response.status_code == 200, response.content
            return calls() - before, response.json()["shopify_product_id"]

        create = {
            "mode": "create",
            "dropi_product_id": str(PRODUCT_ID),
            "status": "DRAFT",
            "options": {"save_description": True, "save_images": True, "use_suggested_barcode": True},
            "price_rule": {"mode": "formula", "multiplier": "2", "amount": "0", "rounding": "90"},
            "allow_duplicate": True,  # the same product is created again on every repeat
        }
        create_cached_ms, create_cached = timed(
            lambda: import_product(create, forget_detail=False), repeat=options.repeat
        )
        create_uncached_ms, create_uncached = timed(
            lambda: import_product(create, forget_detail=True), repeat=options.repeat
        )

        target = add_product(
            shopify,
            SHOP,
            title="Zapatillas (tienda)",
            media=3,
            variants=[
                {"options": {"Color": variation["attribute_values"][0]["value"],
                             "Talla": variation["attribute_values"][1]["value"]}, "price": "99000.00"}
                for variation in dropi.accounts[DROPI_TOKEN].products[0]["variations"]
            ],
        )  # fmt: skip
        variations = dropi.accounts[DROPI_TOKEN].products[0]["variations"]
        link = {
            "mode": "link",
            "dropi_product_id": str(PRODUCT_ID),
            "shopify_product_id": target["id"],
            "variant_mappings": [
                {"dropi_variation_id": str(variation["id"]), "shopify_variant_id": variant["id"]}
                for variation, variant in zip(variations, target["variants"], strict=True)
            ],
            "options": {"save_name": True, "save_description": True, "save_images": True, "replace_images": True},
            "price_rule": {"mode": "fixed", "fixed_price": "119900", "rounding": "none"},
        }
        link_ms, linked = timed(lambda: import_product(link, forget_detail=False), repeat=options.repeat)
    finally:
        dropi.stop()
        shopify.stop()

    print(
        f"\nProductos, in process, {options.repeat} runs (median), "
        f"Dropi latency {options.dropi_latency * 1000:.0f} ms, Shopify latency {options.shopify_latency * 1000:.0f} ms"
    )
    rows = [
        ("catalogue page, Dropi answer not cached", uncached_ms, "1 Dropi call"),
        ("catalogue page, cached (same shop and query)", cached_ms, "0 Dropi calls"),
        (
            "import as new, 50 variants (detail cached)",
            create_cached_ms,
            f"{statistics.mode(count for count, _ in create_cached)} Shopify call(s)",
        ),
        (
            "import as new, 50 variants (detail not cached)",
            create_uncached_ms,
            f"{statistics.mode(count for count, _ in create_uncached)} Shopify call(s) + 1 Dropi call",
        ),
        (
            "link, 50 variants mapped, images replaced",
            link_ms,
            f"{statistics.mode(count for count, _ in linked)} Shopify call(s)",
        ),
    ]
    for name, milliseconds, note in rows:
        print(f"{name:48} {milliseconds:8.1f} ms   {note}")
    print(f"\ncached / uncached catalogue page: {cached_ms / uncached_ms:.3f}")


if __name__ == "__main__":
    main()
