"""The import dialog's sales channels in a real browser (Debian chromium) against the Dropi and
Shopify simulators: "Publicar en la Tienda online" ticked by default and the shop's other
channels offered; without the permission the dialog says so before the import, and the product
is still created with the same message in the success dialog."""

import pytest
from playwright.sync_api import expect

from products.models import ProductAssociation
from products.tests.test_browser_productos import SHOP, catalogue, open_productos  # noqa: F401
from simulators.shopify_products import find_product
from simulators.shopify_publications import add_publication, publication_named

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WITHOUT_PUBLICATIONS = "read_products,write_products,read_orders,write_orders,read_locations,write_inventory"


@pytest.fixture(autouse=True)
def _database_from_the_test_thread(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def open_dialog(page, live_server, session_token):
    rows = open_productos(page, live_server, session_token)
    rows.filter(has_text="Camiseta deportiva dry-fit").get_by_role("button", name="Importar").click()
    dialog = page.locator("[data-import-dialog]")
    expect(dialog).to_be_visible()
    return dialog


def test_a_new_product_is_published_to_the_ticked_channels(
    live_server,
    session_token,
    catalogue,  # noqa: F811
    shopify_simulator,
    browser_page,
    screenshots,
):
    shop_channel = add_publication(shopify_simulator, SHOP, "Shop")
    dialog = open_dialog(browser_page, live_server, session_token)

    expect(dialog.get_by_label("Publicar en la Tienda online")).to_be_checked()
    also = dialog.get_by_label("Publicar también en Shop")
    expect(also).not_to_be_checked()
    expect(dialog.get_by_label("Publicar también en Point of Sale")).not_to_be_checked()
    also.check()
    browser_page.screenshot(path=screenshots / "productos-canales-de-venta.png", full_page=False)
    dialog.get_by_role("button", name="Crear producto").click()

    success = browser_page.locator("[data-success-dialog]")
    expect(success).to_contain_text("Producto creado en Shopify y puesto a la venta en: Online Store, Shop.")
    created = ProductAssociation.objects.get(import_type="create")
    stored = find_product(shopify_simulator, SHOP, created.shopify_product_id)
    online_store = publication_named(shopify_simulator, SHOP, "Online Store")
    assert stored["publications"] == [online_store["id"], shop_channel["id"]]


def test_without_the_permission_the_dialog_and_the_result_say_how_to_grant_it(
    live_server,
    session_token,
    catalogue,  # noqa: F811
    shopify_simulator,
    browser_page,
):
    for issued in shopify_simulator.tokens.values():
        issued.scope = WITHOUT_PUBLICATIONS
    dialog = open_dialog(browser_page, live_server, session_token)

    expect(dialog.locator("[data-channels-message]")).to_contain_text("write_publications")
    dialog.get_by_role("button", name="Crear producto").click()

    success = browser_page.locator("[data-success-dialog]")
    expect(success).to_contain_text("Producto creado en Shopify.")
    expect(success.locator("[data-success-warnings]")).to_contain_text("Vuelve a abrir la app desde el administrador")
    created = ProductAssociation.objects.get(import_type="create")
    assert find_product(shopify_simulator, SHOP, created.shopify_product_id).get("publications", []) == []
