"""The shop configurations in the admin console, in a real browser at a laptop's width."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from shops.tests.factories import ShopConfigurationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "console-password-0123456789"


def log_in(page, live_server, next_url):
    User.objects.create_superuser("soporte", "soporte@example.com", PASSWORD)
    page.goto(f"{live_server.url}{reverse('admin:login')}?next={next_url}")
    page.fill("#id_username", "soporte")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_the_configuration_list_fits_a_1280_pixel_screen_without_horizontal_scrolling(
    live_server, browser_page, screenshots
):
    for number in range(3):
        ShopConfigurationFactory(
            shop=f"tienda-de-ropa-deportiva-numero-{number}.myshopify.com",
            ecomdrop_api_key=f"ECOMDROP-demo-key-000{number}",
            nuevo_pedido_flow_id="9001",
            dropi_store_name="Ropa Deportiva de Colombia",
            dropi_country="CO",
        )
    ShopConfigurationFactory(shop="tiendasinguionesconunnombremuylargoparaprobar.myshopify.com")
    page = browser_page
    assert page.viewport_size["width"] == 1280

    log_in(page, live_server, reverse("admin:shops_shopconfiguration_changelist"))

    page.screenshot(path=screenshots / "admin-shop-configurations.png", full_page=True)
    results = page.locator("#changelist .results")
    overflow = results.evaluate("element => element.scrollWidth - element.clientWidth")
    assert overflow <= 0, f"the list scrolls sideways by {overflow} px"
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    headers = [text.strip().lower() for text in results.locator("thead th").all_inner_texts()]
    for column in ("tienda", "ecomdrop", "dropi", "instalada", "actualizado el"):
        assert column in headers


def test_flows_to_choose_again_says_nothing_was_removed_when_nothing_was(live_server, browser_page):
    configuration = ShopConfigurationFactory(ecomdrop_flows_cleared=False, nuevo_pedido_flow_id="9001")
    page = browser_page

    log_in(page, live_server, reverse("admin:shops_shopconfiguration_change", args=[configuration.pk]))

    row = page.locator(".form-row", has_text="Flujos por elegir de nuevo")
    assert row.is_visible()
    assert "quitaron" not in row.inner_text()
