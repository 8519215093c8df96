"""Pedidos in a real browser (Debian chromium): the shop's orders with their Ecomdrop delivery,
dates in the shop's time zone, and test events followed until they are sent."""

import datetime
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from connector.tests.factories import ShopifySessionFactory
from shops.tests.factories import ShopConfigurationFactory
from simulators.shopify_orders import add_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = "demo-tienda.myshopify.com"
KEY = "ecomdrop-demo-key-0123456789"


@pytest.fixture
def shop(shopify_simulator):
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    return ShopConfigurationFactory(
        shop=SHOP,
        ecomdrop_api_key=KEY,
        ecomdrop_account_name="Tienda Demo Ecomdrop",
        nuevo_pedido_flow_id="9001",
        iana_timezone="America/Bogota",
        installed_at=timezone.now(),
    )


def open_orders(page, live_server, session_token, locale="es"):
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=15))
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "locale": locale, "id_token": token})
    page.goto(f"{live_server.url}/app/orders?{query}")


def test_order_dates_are_in_the_shops_time_zone(live_server, shopify_simulator, shop, session_token, browser_page):
    order = add_order(shopify_simulator, SHOP, name="#1001")
    order["createdAt"] = "2025-12-06T21:12:00+00:00"  # 16:12 in Bogotá

    open_orders(browser_page, live_server, session_token)
    row = browser_page.locator("[data-orders-body] tr", has_text="#1001")
    expect(row).to_contain_text("6 dic 2025, 16:12")

    open_orders(browser_page, live_server, session_token, locale="en")
    expect(browser_page.locator("[data-orders-body] tr", has_text="#1001")).to_contain_text("Dec 6, 2025, 4:12")


def test_a_test_event_shows_on_pedidos_marked_as_a_test_and_follows_its_state(
    live_server, shopify_simulator, ecomdrop_simulator, shop, session_token, browser_page, run_worker, screenshots
):
    ecomdrop_simulator.add_account(KEY, name="Tienda Demo Ecomdrop")
    add_order(shopify_simulator, SHOP, name="#1001")
    page = browser_page
    open_orders(page, live_server, session_token)
    expect(page.locator("[data-orders-body] tr", has_text="#1001")).to_be_visible()

    page.get_by_role("button", name="Enviar evento de prueba").click()
    page.get_by_label("Tu número de WhatsApp").fill("+57 300 123 4567")
    page.get_by_role("button", name="Enviar", exact=True).click()

    test_row = page.locator("[data-test-events] tr", has_text="#TEST-1001")
    expect(test_row).to_contain_text("Prueba")
    expect(test_row).to_contain_text("Pendiente")

    assert run_worker() == 1  # the worker sends it; the page is not reloaded
    expect(test_row).to_contain_text("Enviado", timeout=20_000)
    assert ecomdrop_simulator.count("send_flow") == 1
    page.screenshot(path=screenshots / "orders-test-event.png", full_page=True)


def test_probar_carrito_abandonado_sends_a_sample_cart_to_the_cart_flow(
    live_server, shopify_simulator, ecomdrop_simulator, shop, session_token, browser_page, run_worker
):
    ecomdrop_simulator.add_account(KEY, name="Tienda Demo Ecomdrop")
    shop.carrito_abandonado_flow_id = "9002"
    shop.save(update_fields=["carrito_abandonado_flow_id"])
    page = browser_page
    open_orders(page, live_server, session_token)

    page.get_by_role("button", name="Probar carrito abandonado").click()
    expect(page.get_by_text("Se envía un carrito abandonado de ejemplo")).to_be_visible()
    page.get_by_label("Tu número de WhatsApp").fill("+57 300 123 4567")
    page.get_by_role("button", name="Enviar", exact=True).click()

    test_row = page.locator("[data-test-events] tr", has_text="#TEST-CART")
    expect(test_row).to_contain_text("Prueba")
    assert run_worker() == 1
    expect(test_row).to_contain_text("Enviado", timeout=20_000)
    assert [send[1] for send in ecomdrop_simulator.sends_to(KEY)] == ["9002"]
