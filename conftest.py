"""Suite-wide pytest configuration.

- Tests marked ``mysql`` run only against a MySQL-family DATABASE_URL; elsewhere they skip.
- With CONNECTOR_CI=1 (set by .ci/run) any skipped test fails the run: CI must exercise all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

IS_MYSQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"
IN_CI = os.environ.get("CONNECTOR_CI") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IS_MYSQL:
        return
    skip_mysql = pytest.mark.skip(reason="needs DATABASE_URL=mysql://… (MySQL 8 / MariaDB 10.6+)")
    for item in items:
        if "mysql" in item.keywords:
            item.add_marker(skip_mysql)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {reason}"


@pytest.fixture(autouse=True)
def _reset_caches() -> Iterator[None]:
    from django.core.cache import cache

    from connector.health import reset_readiness_cache
    from connector.services import shopify_session_cache_clear

    cache.clear()
    reset_readiness_cache()
    shopify_session_cache_clear()
    return


@pytest.fixture
def shopify_simulator(settings: Any) -> Iterator[Any]:
    """A local Shopify (token exchange, refresh, GraphQL) that the app is pointed at."""
    from connector.simulators.shopify import ShopifySimulator

    simulator = ShopifySimulator(api_key=settings.SHOPIFY_API_KEY, api_secret=settings.SHOPIFY_API_SECRET)
    simulator.start()
    settings.SHOPIFY_ADMIN_ORIGIN = simulator.origin_template()
    settings.HTTP_TIMEOUT_SECONDS = 5
    yield simulator
    simulator.stop()


@pytest.fixture
def session_token(settings: Any) -> Any:
    """Build signed session tokens: ``session_token(shop, **claims)``."""
    from connector.shopify.session_tokens import encode_session_token

    def build(shop: str = "tienda.myshopify.com", **overrides: Any) -> str:
        return encode_session_token(
            shop=shop, api_key=settings.SHOPIFY_API_KEY, secret=settings.SHOPIFY_API_SECRET, **overrides
        )

    return build


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A Playwright page in Debian's chromium; Shopify's CDN is blocked as it is here."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-CO")
        page = context.new_page()
        page.route("https://cdn.shopify.com/**", lambda route: route.abort())
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def ecomdrop_simulator(settings: Any) -> Iterator[Any]:
    """A local Ecomdrop that the app is pointed at (accounts are added per test)."""
    from connector.simulators.ecomdrop import EcomdropSimulator

    simulator = EcomdropSimulator()
    simulator.start()
    settings.ECOMDROP_API_URL = simulator.base_api_url()
    settings.HTTP_TIMEOUT_SECONDS = 5
    yield simulator
    simulator.stop()


@pytest.fixture
def dropi_simulator(settings: Any) -> Iterator[Any]:
    """A local Dropi for every country that the app is pointed at (accounts are added per test)."""
    from connector.simulators.dropi import DropiSimulator

    simulator = DropiSimulator()
    simulator.start()
    settings.DROPI_API_URLS = simulator.api_urls()
    settings.HTTP_TIMEOUT_SECONDS = 5
    yield simulator
    simulator.stop()
