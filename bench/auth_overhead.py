"""Cost of embedded authentication: the same JSON endpoint with and without session-token auth.

gunicorn (2 workers) + MySQL/MariaDB, keep-alive clients on loopback. The authenticated side
sends a signed session token per request (verified, shop's offline session read); the other
side is the same view without the decorator. Rounds alternate so both see the same machine.

    DATABASE_URL=mysql://root@127.0.0.1:3306/connector .venv/bin/python bench/auth_overhead.py
    (options: --requests 4000 --concurrency 8 --rounds 3)
"""

from __future__ import annotations

import argparse
import datetime
import statistics

from common import free_port, setup_django, start_gunicorn
from http_load import LoadResult, run_load

SHOP = "bench-shop.myshopify.com"


def prepare() -> list[str]:
    from django.conf import settings

    from connector.models import ShopifySession
    from connector.shopify.session_tokens import encode_session_token
    from shops.services import shop_install

    shop_install(shop=SHOP)
    ShopifySession.objects.update_or_create(
        id=ShopifySession.offline_id(SHOP),
        defaults={"shop": SHOP, "access_token": "shpat_bench_token_not_expiring", "expires": None},
    )
    return [
        encode_session_token(
            shop=SHOP,
            api_key=settings.SHOPIFY_API_KEY,
            secret=settings.SHOPIFY_API_SECRET,
            user_id=number,
            lifetime=datetime.timedelta(minutes=30),
        )
        for number in range(200)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    setup_django()
    tokens = prepare()
    port = free_port()
    server = start_gunicorn(port=port, workers=2)
    try:

        def authenticated(index: int) -> tuple[str, str, None, dict[str, str]]:
            return "GET", "/app/api/session", None, {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}

        def unauthenticated(index: int) -> tuple[str, str, None, dict[str, str]]:
            return "GET", "/bench/session-without-auth", None, {}

        for request_for in (authenticated, unauthenticated):  # warm both up
            run_load(port=port, total=300, concurrency=options.concurrency, request_for=request_for)
        results: dict[str, list[LoadResult]] = {"with auth": [], "without auth": []}
        for _ in range(options.rounds):
            for name, request_for in (("with auth", authenticated), ("without auth", unauthenticated)):
                results[name].append(
                    run_load(
                        port=port, total=options.requests, concurrency=options.concurrency, request_for=request_for
                    )
                )
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\nembedded JSON endpoint, gunicorn 2 workers, concurrency {options.concurrency}, "
        f"{options.rounds} rounds × {options.requests} requests"
    )
    summary = {}
    for name, rounds in results.items():
        assert all(set(result.statuses) == {200} for result in rounds), [result.statuses for result in rounds]
        latencies = [latency for result in rounds for latency in result.latencies_ms]
        throughput = statistics.median(result.throughput for result in rounds)
        ordered = sorted(latencies)
        summary[name] = (throughput, statistics.median(latencies), ordered[int(0.99 * len(ordered))])
        print(f"{name:13} {throughput:8.0f} req/s  p50 {summary[name][1]:6.2f} ms  p99 {summary[name][2]:6.2f} ms")
    ratio = summary["with auth"][0] / summary["without auth"][0]
    print(f"\nthroughput ratio with/without auth: {ratio:.2f} (goal ≥ 0.8)")


if __name__ == "__main__":
    main()
