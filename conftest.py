"""Suite-wide pytest configuration.

- Tests marked ``mysql`` run only against a MySQL-family DATABASE_URL; elsewhere they skip.
- With CONNECTOR_CI=1 (set by .ci/run) any skipped test fails the run: CI must exercise all.
- Hypothesis runs the "connector" profile: derandomized (the same examples on every run, so CI
  is repeatable), a fixed number of examples, no example database written to the work tree.
  ``HYPOTHESIS_PROFILE=deep`` explores more, with new random examples each run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

IS_MYSQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"
IN_CI = os.environ.get("CONNECTOR_CI") == "1"

# Fuzz tests take function-scoped fixtures (a shop, the simulators) on purpose: every example
# runs against the same shop inside the test's transaction.
_HYPOTHESIS_COMMON: dict[str, Any] = {
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}
hypothesis_settings.register_profile("connector", derandomize=True, max_examples=250, **_HYPOTHESIS_COMMON)
hypothesis_settings.register_profile("deep", max_examples=3000, **_HYPOTHESIS_COMMON)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "connector"))


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
    from connector.sessions import shopify_session_cache_clear

    cache.clear()
    reset_readiness_cache()
    shopify_session_cache_clear()
    return


@pytest.fixture
def shopify_simulator(settings: Any) -> Iterator[Any]:
    """A local Shopify (token exchange, refresh, GraphQL) that the app is pointed at."""
    from simulators.shopify import ShopifySimulator

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
DOCS_SCREENSHOTS = Path(__file__).resolve().parent / "docs" / "screenshots"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the browser tests save their screenshots: ``docs/screenshots/`` (the pictures the
    guides show) with CONNECTOR_SCREENSHOTS=1 (``make screenshots``), a temporary folder
    otherwise, so an ordinary run leaves the working tree as it was."""
    if os.environ.get("CONNECTOR_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SCREENSHOTS
    return tmp_path


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
    from simulators.ecomdrop import EcomdropSimulator

    simulator = EcomdropSimulator()
    simulator.start()
    settings.ECOMDROP_API_URL = simulator.base_api_url()
    settings.HTTP_TIMEOUT_SECONDS = 5
    yield simulator
    simulator.stop()


@pytest.fixture
def dropi_simulator(settings: Any) -> Iterator[Any]:
    """A local Dropi for every country that the app is pointed at (accounts are added per test)."""
    from simulators.dropi import DropiSimulator

    simulator = DropiSimulator()
    simulator.start()
    settings.DROPI_API_URLS = simulator.api_urls()
    settings.HTTP_TIMEOUT_SECONDS = 5
    yield simulator
    simulator.stop()


@pytest.fixture
def on_commit_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run inside a transaction that never commits: run what the app defers to the commit at once,
    as autocommit (the app's mode, ATOMIC_REQUESTS off) does."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda callback, using=None, robust=False: callback())


@pytest.fixture
def database_queue(settings: Any) -> None:
    """Queue tasks in the database (django-tasks-db), as production does, instead of running
    them inline; ``run_worker`` then runs what is due."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def tasks_for_every_job(database_queue: None, settings: Any) -> None:
    """No job is polled (settings.WORKER_POLLED_JOBS empty): webhook events and deliveries get
    a task row each, as every other job does — the path the tests of tasks (superseded tasks,
    lost tasks) exercise."""
    settings.WORKER_POLLED_JOBS = []


@pytest.fixture(params=["tasks", "polled"])
def mode(request: pytest.FixtureRequest, settings: Any, database_queue: None) -> str:
    """Each worker-process test twice: "tasks" (no job polled: a task row per webhook event and
    delivery, run one at a time) and "polled" (the rows are the queue, several run at once)."""
    if request.param == "tasks":
        settings.WORKER_POLLED_JOBS = []
    return str(request.param)


@pytest.fixture
def run_worker(database_queue: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run django-tasks-db's worker and the polled jobs' due rows in this process until nothing
    is due; returns how many tasks and rows ran.

    The worker's between-task connection check is switched off: inside a test's transaction
    it would close the connection (a real worker subprocess is tested separately)."""
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.management.commands.db_worker import Worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    from connector.work import work_run_polled

    def run() -> int:
        ran = 0
        while True:
            worker = Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="pytest",
                excluded_queue_names=[],
            )
            worker.run()
            polled = work_run_polled()  # the rows of polled jobs (webhook events, deliveries): no task
            ran += worker._run_tasks + polled
            if not worker._run_tasks and not polled:
                return ran

    return run


@pytest.fixture
def post_webhook(client: Any, settings: Any) -> Any:
    """POST a delivery signed like Shopify's: ``post_webhook(topic, payload, shop=…, **headers)``.

    ``event_id``/``webhook_id`` default to fresh UUIDs; ``body`` replaces the JSON payload;
    ``signature``/``headers`` override what is sent; ``path`` defaults to /webhooks.
    """
    import json
    import uuid

    from connector.shopify.webhooks import signed_delivery_headers

    def post(
        topic: str = "orders/create",
        payload: Any = None,
        *,
        shop: str = "tienda.myshopify.com",
        event_id: str | None = None,
        webhook_id: str | None = None,
        body: bytes | None = None,
        path: str = "/webhooks",
        triggered_at: str = "",
        headers: dict[str, str] | None = None,
        drop: tuple[str, ...] = (),
        http_client: Any = None,
    ) -> Any:
        if body is None:
            body = json.dumps({"id": 1} if payload is None else payload).encode()
        sent = signed_delivery_headers(
            body,
            secret=settings.SHOPIFY_API_SECRET,
            topic=topic,
            shop=shop,
            webhook_id=webhook_id or str(uuid.uuid4()),
            event_id=event_id or str(uuid.uuid4()),
            api_version=settings.SHOPIFY_API_VERSION,
            triggered_at=triggered_at,
        )
        sent.update(headers or {})
        for name in drop:
            sent.pop(name, None)
        content_type = sent.pop("Content-Type")
        return (http_client or client).generic("POST", path, body, content_type=content_type, headers=sent)

    return post


@pytest.fixture
def deliver(post_webhook: Any, run_worker: Any) -> Any:
    """Deliver one signed event and run the worker: ``deliver(topic, payload, shop=…, **options)``
    returns the stored event afterwards."""
    from webhooks.models import WebhookEvent

    def send(topic: str, payload: Any, *, shop: str = "tienda.myshopify.com", **options: Any) -> Any:
        assert post_webhook(topic, payload, shop=shop, **options).status_code == 200
        event = WebhookEvent.objects.order_by("-id").first()
        run_worker()
        event.refresh_from_db()
        return event

    return send


@pytest.fixture(autouse=True)
def _fresh_http_pools() -> Iterator[None]:
    """Every test starts without pooled connections: a kept-alive connection to a simulator of
    an earlier test must never answer for a new simulator that got the same port."""
    from connector.http import pools_reset

    pools_reset()
    yield
    pools_reset()
