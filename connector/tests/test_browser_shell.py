"""The embedded shell in a real browser (Debian chromium), without Shopify's CDN."""

from urllib.parse import urlencode

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = "demo-tienda.myshopify.com"


def test_shell_shows_navigation_in_spanish_and_switches_to_english(
    live_server, shopify_simulator, session_token, browser_page, screenshots
):
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(SHOP)})
    page = browser_page

    page.goto(f"{live_server.url}/app/?{query}")

    assert page.title() == "Productos · Ecomdrop IA Connector"
    navigation = page.locator("nav.app-nav")
    for label in ("Productos", "Pedidos", "Configuración", "Tema"):
        assert navigation.get_by_role("link", name=label).is_visible()
    assert page.locator("h1.page__title").inner_text() == "Productos"
    page.screenshot(path=screenshots / "embedded-shell-es.png", full_page=True)

    page.get_by_role("link", name="EN").click()
    page.wait_for_url("**/app/?*locale=en*")
    assert page.locator("h1.page__title").inner_text() == "Products"
    assert page.title() == "Products · Ecomdrop IA Connector"

    page.locator("nav.app-nav").get_by_role("link", name="Orders").click()
    page.wait_for_url("**/app/orders?*")
    assert page.locator("h1.page__title").inner_text() == "Orders"
    page.screenshot(path=screenshots / "embedded-shell-en.png", full_page=True)

    # The page's own fetches carry the bearer token (App Bridge is absent here).
    session = page.evaluate("Connector.fetch('/app/api/session').then(response => response.json())")
    assert session == {"shop": SHOP, "language": "en", "installed": True}
    assert shopify_simulator.count("token_exchange") == 1
