"""Every limit, lock and pause holds across processes: gunicorn with two workers on this run's
MariaDB, with the default cache (the database) and with Redis.

Requests go out several at a time, so both sync workers serve some of them.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from connector.tests.factories import ShopifySessionFactory
from connector.tests.processes import (
    app_environment,
    away_from_a_minute_boundary,
    gunicorn,
    http,
    nginx,
    on_each_worker,
    redis_server,
    side_by_side,
)
from shops.tests.factories import ShopConfigurationFactory
from simulators.dropi import dropi_product

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

CACHES = ["database", "redis"]


@pytest.fixture(params=CACHES)
def cache_url(request: Any, tmp_path: Path) -> Any:
    """None for the settings' default cache (the database), or a private Redis's URL."""
    if request.param == "database":
        yield None
        return
    with redis_server(tmp_path) as url:
        yield url


def unique_shop() -> str:
    return f"limits-{uuid.uuid4().hex[:12]}.myshopify.com"


def test_wrong_callback_secrets_from_one_address_count_in_every_worker(tmp_path, cache_url):
    env = app_environment(cache_url, ECOMDROP_CALLBACK_BAD_TOKENS_PER_MINUTE="5")
    body = json.dumps({"orderId": 0}).encode()
    headers = {"Content-Type": "application/json", "X-Connector-Token": "a-guess"}

    with gunicorn(tmp_path, env=env) as server:
        away_from_a_minute_boundary()
        url = f"{server.base_url}/api/ecomdrop/callback"

        def guess() -> Any:
            return http(url, method="POST", body=body, headers=headers)

        answers = on_each_worker(server, [guess] * 5, [guess] * 5)

    assert [answer.status for answer in answers] == [401] * 5 + [429] * 5


DROPI_TOKEN = "dropi-token-limits-0123456789"


@pytest.fixture
def dropi_shop(shopify_simulator: Any, dropi_simulator: Any) -> str:
    """A shop with Dropi configured and a usable offline token (committed: the workers see it)."""
    shop = unique_shop()
    dropi_simulator.add_account(DROPI_TOKEN, country="CO")
    ShopConfigurationFactory(
        shop=shop, dropi_store_name="Tienda", dropi_country="CO", dropi_token=DROPI_TOKEN, installed_at=timezone.now()
    )
    ShopifySessionFactory(shop=shop, access_token=shopify_simulator.issue_token(shop), scope=None)
    return shop


def vendor_environment(cache_url: str | None, shopify_simulator: Any, dropi_simulator: Any) -> dict[str, str]:
    urls = ",".join(f"{country}={url}" for country, url in dropi_simulator.api_urls().items())
    return app_environment(
        cache_url,
        SHOPIFY_ADMIN_ORIGIN=shopify_simulator.origin_template(),
        DROPI_API_URLS=urls,
        HTTP_TIMEOUT_SECONDS="5",
    )


def embedded_call(server: Any, token: str, path: str, body: dict[str, Any] | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if body is None:
        return lambda: http(f"{server.base_url}{path}", headers=headers)
    data = json.dumps(body).encode()
    return lambda: http(f"{server.base_url}{path}", method="POST", body=data, headers=headers)


def test_the_callback_limit_of_a_shop_holds_across_two_workers(tmp_path, cache_url):
    limit = 10
    configuration = ShopConfigurationFactory(shop=unique_shop(), installed_at=timezone.now())
    secret = configuration.callback_secret.reveal()
    env = app_environment(cache_url, ECOMDROP_CALLBACK_RATE_PER_MINUTE=str(limit))
    body = json.dumps({"orderId": 0, "status": "success"}).encode()  # the test order: Shopify is not called
    headers = {"Content-Type": "application/json", "X-Connector-Token": secret}

    with gunicorn(tmp_path, env=env) as server:
        away_from_a_minute_boundary()
        url = f"{server.base_url}/api/ecomdrop/callback"

        def call() -> Any:
            return http(url, method="POST", body=body, headers=headers)

        answers = on_each_worker(server, [call] * (2 * limit), [call] * (2 * limit))

    assert Counter(answer.status for answer in answers) == {200: limit, 429: 3 * limit}


def test_a_double_click_on_two_workers_imports_the_product_once(
    tmp_path, cache_url, dropi_shop, shopify_simulator, dropi_simulator, session_token
):
    dropi_simulator.add_product(DROPI_TOKEN, dropi_product(name="Reloj", product_id=7101))
    dropi_simulator.latency = 1.0  # each import takes a while: the two clicks overlap
    body = {
        "mode": "create",
        "dropi_product_id": "7101",
        "status": "DRAFT",
        "options": {"save_description": True, "save_images": True, "use_suggested_barcode": False},
        "price_rule": {"mode": "suggested", "rounding": "none"},
    }

    with gunicorn(tmp_path, env=vendor_environment(cache_url, shopify_simulator, dropi_simulator)) as server:
        click = embedded_call(server, session_token(dropi_shop), "/app/api/products/import", body)
        first, second = side_by_side(server, click, click)

    statuses = sorted([first.status, second.status])
    assert statuses == [200, 409], [first.body, second.body]
    refused = first if first.status == 409 else second
    assert json.loads(refused.body)["code"] == "import_in_progress"
    assert len(shopify_simulator.requests_of("graphql:ProductSet")) == 1


def test_too_many_attempts_on_one_worker_pauses_the_shop_on_the_other(
    tmp_path, cache_url, dropi_shop, shopify_simulator, dropi_simulator, session_token
):
    dropi_simulator.block()

    with gunicorn(tmp_path, env=vendor_environment(cache_url, shopify_simulator, dropi_simulator)) as server:
        token = session_token(dropi_shop)
        searches = [embedded_call(server, token, f"/app/api/dropi/products?q=term{index}") for index in range(6)]
        answers = on_each_worker(server, searches[:1], searches[1:])

    assert [answer.status for answer in answers] == [429] * 6
    assert {json.loads(answer.body)["code"] for answer in answers} == {"dropi_rate_limited"}
    assert dropi_simulator.count("index") == 1  # only the call that Dropi refused


def test_admin_log_in_failures_on_both_workers_lock_the_address(tmp_path):
    User.objects.create_superuser("soporte", email="soporte@example.com", password="pw-correcto-123456789")

    with gunicorn(tmp_path, env=app_environment()) as server:
        login_url = f"{server.base_url}/admin/login/?next=/admin/"
        cookie = http(login_url).headers["Set-Cookie"]
        token = re.search(r"csrftoken=([A-Za-z0-9]+)", cookie).group(1)  # the form accepts the cookie's secret

        def attempt(password: str) -> Any:
            body = urlencode({"username": "soporte", "password": password, "csrfmiddlewaretoken": token}).encode()
            headers = {"Cookie": f"csrftoken={token}", "Content-Type": "application/x-www-form-urlencoded"}
            return lambda: http(login_url, method="POST", body=body, headers=headers)

        wrong, right = attempt("wrong"), attempt("pw-correcto-123456789")
        answers = on_each_worker(server, [wrong] * 3, [wrong, wrong, right], threads=1)

    assert [answer.status for answer in answers] == [200, 200, 200, 200, 429, 429]


def test_behind_the_proxy_log_ins_count_by_the_client_a_client_cannot_forge(tmp_path):
    # Client → a TLS proxy on this host (it sets X-Forwarded-For) → nginx → gunicorn: both
    # proxies are on loopback, trusted by default; the client is the hop before them.
    env = app_environment(None, AUTH_LOGIN_RATE_PER_MINUTE="2")
    with gunicorn(tmp_path, env=env) as app, nginx(tmp_path, upstream_port=app.port) as proxy:
        away_from_a_minute_boundary()

        def log_in(forwarded_for: str) -> int:
            url = f"{proxy.base_url}/auth/login?shop=tienda.myshopify.com"
            return http(url, headers={"X-Forwarded-For": forwarded_for}).status

        first_client = [log_in("203.0.113.1") for _ in range(3)]
        forged = log_in("198.51.100.99, 203.0.113.1")  # a left hop the client wrote itself
        second_client = log_in("203.0.113.2")

    assert first_client == [302, 302, 429]
    assert forged == 429
    assert second_client == 302
