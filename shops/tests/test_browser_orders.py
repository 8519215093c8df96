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
