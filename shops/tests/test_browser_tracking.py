"""The Dropi status sync in a real browser (Debian chromium): Estado's "Sincronizar ahora"
follows the sync to its result, and Pedidos › Envíos shows the orders by stage ("novedad"
first) with their guía, carrier and history."""

import datetime
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from connector.tests.factories import ShopifySessionFactory
from shops.models import DropiOrder, FlowDelivery
from shops.tests.factories import ShopConfigurationFactory
from shops.tests.status_words import status_words  # noqa: F401 (a fixture)
from simulators.dropi_tracking import advance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("status_words")]

SHOP = "demo-tienda.myshopify.com"
TOKEN = "dropi-demo-token-0123456789"


@pytest.fixture
def shop(shopify_simulator, dropi_simulator, settings):
    settings.DROPI_TRACKING_CALL_SPACING_SECONDS = 0
    dropi_simulator.add_account(TOKEN, country="CO")
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    return ShopConfigurationFactory(
        shop=SHOP,
        dropi_token=TOKEN,
        dropi_country="CO",
        dropi_store_name="Tienda Demo",
        iana_timezone="America/Bogota",
        installed_at=timezone.now(),
    )


def open_page(page, live_server, session_token, path):
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=15))
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "locale": "es", "id_token": token})
    page.goto(f"{live_server.url}{path}{'&' if '?' in path else '?'}{query}")


def test_sync_now_on_estado_then_pedidos_shows_the_novedad_with_its_guide(
    live_server, dropi_simulator, shop, session_token, browser_page, run_worker, screenshots
):
    page = browser_page
    on_way = dropi_simulator.orders.add(TOKEN, shop_order_id="9101", status="PENDIENTE")
    problem = dropi_simulator.orders.add(TOKEN, shop_order_id="9102", status="PENDIENTE")
    for shopify_id, name, dropi in (("9101", "#3101", on_way), ("9102", "#3102", problem)):
        DropiOrder.objects.create(
            shop=SHOP,
            shopify_order_id=shopify_id,
            order_name=name,
            mode="bot",
            state="bot",
            dropi_order_id=str(dropi["id"]),
        )
    FlowDelivery.objects.create(shop=SHOP, kind="order_created", shopify_object_id="9102", order_name="#3102")
    advance(
        dropi_simulator.orders, TOKEN, on_way["id"], "EN TRANSPORTE", shipping_guide="240001", shipping_company="TCC"
    )
    moved = advance(dropi_simulator.orders, TOKEN, problem["id"], "GUIA_GENERADA", shipping_company="SERVIENTREGA")
    dropi_simulator.orders.set_status(TOKEN, problem["id"], "NOVEDAD")

    open_page(page, live_server, session_token, "/app/configuration?tab=status")
    card = page.locator("[data-tracking-card]")
    expect(card).to_contain_text("Sincronización de envíos con Dropi")
    expect(card).to_contain_text("Nunca")
    card.get_by_role("button", name="Sincronizar ahora").click()
    expect(card).to_contain_text("Sincronizando con Dropi.")
    assert run_worker() >= 1  # the worker runs the queued sync; the page follows it
    expect(card.locator('[data-tracking="result"]')).to_have_text("Sincronizado.", timeout=20_000)
    expect(card.locator('[data-tracking="next"] time')).to_be_visible()
    expect(card.get_by_role("button", name="Sincronizar ahora")).to_be_enabled()
    page.screenshot(path=screenshots / "estado-shipping-sync.png", full_page=True)

    open_page(page, live_server, session_token, "/app/orders")
    shipping = page.locator("[data-shipping-card]")
    expect(shipping.locator("[data-shipping-filters] button").first).to_have_text("Novedad (1)")
    expect(shipping.locator("[data-shipping-filters] button").first).to_have_attribute("aria-pressed", "true")
    row = shipping.locator("[data-shipping-body] tr", has_text="#3102")
    expect(row).to_contain_text("Novedad")
    expect(row).to_contain_text(moved["shipping_guide"])
    expect(row).to_contain_text("SERVIENTREGA")
    expect(row.get_by_role("link", name="Rótulo")).to_have_attribute("href", moved["sticker"])
    row.get_by_role("button", name="Historial").click()
    expect(shipping.locator("[data-shipping-timeline]")).to_contain_text("Estado en Dropi: NOVEDAD — Dropi")
    shipping.get_by_role("button", name="En tránsito (1)").click()
    expect(shipping.locator("[data-shipping-body] tr", has_text="#3101")).to_contain_text("240001")
    page.screenshot(path=screenshots / "orders-shipping.png", full_page=True)
