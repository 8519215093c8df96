"""Every limit, lock and pause holds across processes: gunicorn with two workers on this run's
MariaDB, with the default cache (the database) and with Redis.

Requests go out several at a time, so both sync workers serve some of them.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from connector.tests.processes import (
    app_environment,
    away_from_a_minute_boundary,
    gunicorn,
    http,
    on_each_worker,
    redis_server,
)
from shops.tests.factories import ShopConfigurationFactory

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
