"""Estado's warnings in a real browser (Debian chromium): the second store connecting an
Ecomdrop account already used by another one sees, after the connect, the banner naming the
other store and what they share, and so does the first store; orders Shopify sent without the
buyer's data raise the protected-customer-data banner."""

from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shops.models import FlowDelivery
from shops.tests.factories import ShopConfigurationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = "demo-tienda.myshopify.com"
FIRST_SHOP = "primera-tienda.myshopify.com"
KEY = "ecomdrop-demo-key-0123456789"


@pytest.fixture(autouse=True)
def _database_from_the_test_thread(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def open_configuration(page, live_server, session_token, shop, tab):
    query = urlencode({"shop": shop, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(shop)})
    page.goto(f"{live_server.url}/app/configuration?tab={tab}&{query}")


def test_connecting_an_account_another_store_uses_warns_both(
    live_server, shopify_simulator, ecomdrop_simulator, session_token, browser_page, screenshots
):
    account = ecomdrop_simulator.add_account(KEY, name="Cuenta Compartida")
    ShopConfigurationFactory(
        shop=FIRST_SHOP, ecomdrop_api_key=KEY, ecomdrop_account_id=account.id, installed_at=timezone.now()
    )
    page = browser_page
    open_configuration(page, live_server, session_token, SHOP, "ecomdrop")

    page.get_by_label("Clave API de Ecomdrop").fill(KEY)
    page.get_by_role("button", name="Conectar Ecomdrop IA y Refrescar Flujos").click()
    page.wait_for_url("**tab=ecomdrop**")
    page.get_by_text(f"Esta cuenta de Ecomdrop también está conectada a {FIRST_SHOP}").first.wait_for()
    page.get_by_role("tab", name="Estado").click()

    banner = page.locator("[data-shared-account-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Tu cuenta de Ecomdrop (Cuenta Compartida) se comparte con otras tiendas")
    expect(banner.locator("[data-shared-shops]")).to_have_text(FIRST_SHOP)
    expect(banner).to_contain_text("el token de Dropi")
    expect(banner).to_contain_text("el perfil de negocio del asistente de IA")
    page.screenshot(path=screenshots / "configuration-status-shared-account.png", full_page=False)

    open_configuration(page, live_server, session_token, FIRST_SHOP, "status")
    expect(page.locator("[data-shared-account-banner] [data-shared-shops]")).to_have_text(SHOP)


def test_orders_without_the_buyers_data_raise_the_protected_data_banner(
    live_server, shopify_simulator, session_token, browser_page
):
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=timezone.now())
    FlowDelivery.objects.create(
        shop=SHOP,
        kind=FlowDelivery.Kind.ORDER_CREATED,
        shopify_object_id="5001",
        order_name="#1001",
        state=FlowDelivery.Status.SKIPPED,
        skip_reason=FlowDelivery.SkipReason.NO_PHONE,
        contact={"first_name": None, "last_name": None, "phone_problem": "no_phone"},
    )
    page = browser_page

    open_configuration(page, live_server, session_token, SHOP, "status")

    banner = page.locator("[data-protected-data-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Shopify no está enviando el teléfono ni el nombre de tus compradores")
    expect(banner).to_contain_text("1 pedido de los últimos 7 días llegó sin el teléfono ni el nombre")
    expect(banner).to_contain_text("Protected customer data: nivel 2")
    expect(page.locator("[data-shared-account-banner]")).to_have_count(0)
