"""Configuración in a real browser: the WhatsApp flow of each shipping stage (Ecomdrop tab),
the Shopify tracking options (Dropi tab), and Estado's banner when the fulfillment scopes are
missing."""

from urllib.parse import urlencode

import pytest

from shops.models import ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = "demo-tienda.myshopify.com"
KEY = "ecomdrop-demo-key-0123456789"


def test_choose_shipping_flows_and_the_shopify_options(
    live_server, shopify_simulator, ecomdrop_simulator, session_token, browser_page, screenshots
):
    ecomdrop_simulator.add_account(KEY, flows={"9101": "Tu guía está lista", "9102": "Pedido entregado"})
    shopify_simulator.scope = "read_products,write_products,read_orders,write_orders"  # not the fulfillment ones
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, shipping_writeback_problem="missing_fulfillment_scopes")
    page = browser_page
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(SHOP)})
    page.goto(f"{live_server.url}/app/configuration?tab=ecomdrop&{query}")

    card = page.locator("[data-shipping-flows-card]")
    card.get_by_role("heading", name="Novedades del envío por WhatsApp").wait_for()
    page.locator("#shipping_flow_guide_generated option", has_text="Tu guía está lista").wait_for(state="attached")
    page.locator("#shipping_flow_guide_generated").select_option(label="Tu guía está lista")
    page.locator("#shipping_flow_delivered").select_option(label="Pedido entregado")
    assert card.locator('[data-enabled-since="guide_generated"]').is_hidden()
    card.get_by_role("button", name="Guardar novedades del envío").click()
    page.get_by_text("Novedades del envío guardadas.").first.wait_for()
    card.locator('[data-enabled-since="guide_generated"]').wait_for()
    assert "Activo desde" in card.locator('[data-enabled-since="delivered"]').inner_text()
    assert card.locator('[data-enabled-since="incident"]').is_hidden()
    flows = ShopConfiguration.objects.get(shop=SHOP).shipping_flows
    assert {stage: chosen["flow_id"] for stage, chosen in flows.items()} == {
        "guide_generated": "9101",
        "delivered": "9102",
    }
    page.screenshot(path=screenshots / "configuration-shipping-flows.png", full_page=True)

    page.get_by_role("tab", name="Dropi").click()
    shopify = page.locator("[data-shipping-shopify-card]")
    shopify.get_by_label("Shopify envía al comprador por correo la confirmación de envío con el seguimiento").check()
    with page.expect_response("**/app/api/shipping") as saved:
        shopify.get_by_role("button", name="Guardar opciones de seguimiento").click()
    assert saved.value.ok
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert configuration.shopify_notify_customer
    assert not configuration.cancel_shopify_order_on_dropi_cancel

    page.get_by_role("tab", name="Estado").click()
    banner = page.locator("[data-shipping-problem]")
    assert banner.is_visible()
    assert "acepta los permisos nuevos" in banner.inner_text()
