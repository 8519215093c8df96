"""Configuración in a real browser: connect Ecomdrop, see the contact fields it lacks, choose
flows, see Estado."""

import datetime
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from shops.models import FlowDelivery, ShopConfiguration
from shops.tests.factories import ShopConfigurationFactory
from simulators.ecomdrop import DEFAULT_CUSTOM_FIELDS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = "demo-tienda.myshopify.com"
KEY = "ecomdrop-demo-key-0123456789"


def test_connect_ecomdrop_pick_flows_and_see_the_status(
    live_server, shopify_simulator, ecomdrop_simulator, session_token, browser_page, screenshots
):
    fresh_account_fields = {
        field_id: field for field_id, field in DEFAULT_CUSTOM_FIELDS.items() if field[0] != "pedido_id"
    }
    ecomdrop_simulator.add_account(KEY, name="Tienda Demo Ecomdrop", custom_fields=fresh_account_fields)
    page = browser_page
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(SHOP)})

    page.goto(f"{live_server.url}/app/configuration?{query}")
    assert page.get_by_role("tab", name="Estado").get_attribute("aria-selected") == "true"
    assert page.get_by_text("Clave API de Ecomdrop no configurada").is_visible()

    page.get_by_role("tab", name="Ecomdrop").click()
    page.get_by_label("Clave API de Ecomdrop").fill("wrong-key-000000")
    page.get_by_role("button", name="Conectar Ecomdrop IA y Refrescar Flujos").click()
    page.get_by_text("Ecomdrop no aceptó esta clave API").first.wait_for()
    page.get_by_label("Clave API de Ecomdrop").fill(KEY)
    page.get_by_role("button", name="Conectar Ecomdrop IA y Refrescar Flujos").click()
    page.wait_for_url("**tab=ecomdrop**")
    page.get_by_text("Tienda Demo Ecomdrop").first.wait_for()

    fields = page.locator("[data-contact-fields-card]")
    fields.get_by_role("heading", name="Campos del contacto").wait_for()
    fields.locator('[data-contact-field="pedido_id"] .badge', has_text="Falta").wait_for()
    assert fields.locator('[data-contact-field="pedido_nombre"] .badge').inner_text() == "Existe"
    missing = fields.locator("[data-contact-fields-missing]")
    assert missing.is_visible()
    assert "Crea en Ecomdrop los campos que faltan" in missing.inner_text()
    assert missing.locator("[data-missing-names]").inner_text() == "pedido_id"
    callback = page.locator("[data-callback-card]")
    assert "{{pedido_id}}" in callback.inner_text()
    assert "campo de contacto “pedido_id”" in callback.inner_text()

    page.locator("#nuevo_pedido_flow_id option", has_text="Confirmación de pedido").wait_for(state="attached")
    page.select_option("#nuevo_pedido_flow_id", label="Confirmación de pedido")
    page.select_option("#carrito_abandonado_flow_id", label="Recuperar carrito")
    page.get_by_role("button", name="Guardar flujos").click()
    page.get_by_text("¡Configuración de flujos guardada exitosamente!").wait_for()
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert (configuration.nuevo_pedido_flow_id, configuration.carrito_abandonado_flow_id) == ("9001", "9002")
    assert KEY not in page.content()
    page.screenshot(path=screenshots / "configuration-ecomdrop.png", full_page=True)

    ecomdrop_simulator.add_custom_field(KEY, "pedido_id")  # the merchant creates it in Ecomdrop
    fields.get_by_role("button", name="Comprobar de nuevo").click()
    fields.locator('[data-contact-field="pedido_id"] .badge', has_text="Existe").wait_for()
    fields.locator("[data-contact-fields-ok]").wait_for()
    assert missing.is_hidden()

    page.get_by_role("tab", name="Ecomdrop").press("End")  # keyboard: last tab is Estado
    panel = page.locator("#panel-status")
    assert panel.is_visible()
    panel.get_by_text("Clave API de Ecomdrop configurada").wait_for()
    panel.locator("[data-flow-name='9001']", has_text="Confirmación de pedido").wait_for()
    page.screenshot(path=screenshots / "configuration-status.png", full_page=True)


def gap_above(page, button_name: str, form: str) -> float:
    """Pixels between the bottom of the form's last visible field and the top of its button."""
    return page.evaluate(
        """([form, name]) => {
            const root = document.querySelector(`[data-form="${form}"]`);
            const button = [...root.querySelectorAll("button")].find((item) => item.textContent.trim() === name);
            const fields = [...root.querySelectorAll(".field")].filter((item) => item.offsetParent !== null);
            return button.getBoundingClientRect().top - fields[fields.length - 1].getBoundingClientRect().bottom;
        }""",
        [form, button_name],
    )


def test_the_connect_message_survives_the_reload_and_save_buttons_sit_under_their_fields(
    live_server, shopify_simulator, ecomdrop_simulator, session_token, browser_page
):
    ecomdrop_simulator.add_account(KEY, name="Tienda Demo Ecomdrop")
    page = browser_page
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(SHOP)})
    page.goto(f"{live_server.url}/app/configuration?tab=ecomdrop&{query}")

    page.get_by_label("Clave API de Ecomdrop").fill(KEY)
    page.get_by_role("button", name="Conectar Ecomdrop IA y Refrescar Flujos").click()
    page.wait_for_url("**tab=ecomdrop**")
    page.locator("[data-connected-view]").wait_for()
    page.locator(".toast", has_text="Conectado a Ecomdrop IA").wait_for()

    # No empty error line pushes "Guardar flujos" / "Guardar" away from the fields above them
    # (measured once the flows have loaded: while they load, a spinner line sits there).
    page.locator("#nuevo_pedido_flow_id option", has_text="Confirmación de pedido").wait_for(state="attached")
    expect(page.locator("[data-flows-loading]")).to_be_hidden()
    assert gap_above(page, "Guardar flujos", "flows") <= 24
    page.get_by_role("tab", name="Dropi").click()
    assert gap_above(page, "Guardar", "dropi") <= 24


def test_estado_follows_what_was_saved_on_the_same_page(
    live_server, shopify_simulator, ecomdrop_simulator, dropi_simulator, session_token, browser_page
):
    ecomdrop_simulator.add_account(KEY, name="Tienda Demo Ecomdrop")
    dropi_simulator.add_account("dropi-token-0123456789", country="CO")
    ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, ecomdrop_account_name="Tienda Demo Ecomdrop", dropi_store_name=None
    )
    page = browser_page
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(SHOP)})
    page.goto(f"{live_server.url}/app/configuration?tab=ecomdrop&{query}")
    steps = page.locator("#panel-status [data-next-step]")

    page.locator("#nuevo_pedido_flow_id option", has_text="Confirmación de pedido").wait_for(state="attached")
    page.select_option("#nuevo_pedido_flow_id", label="Confirmación de pedido")
    page.get_by_role("button", name="Guardar flujos").click()
    page.locator(".toast", has_text="flujos").wait_for()

    page.get_by_role("tab", name="Dropi").click()
    page.get_by_label("Nombre de la tienda").fill("Tienda Demo")
    page.select_option("#country", value="CO")
    page.get_by_label("Token de Dropi").fill("dropi-token-0123456789")
    page.get_by_role("button", name="Guardar", exact=True).click()
    page.locator(".toast", has_text="Dropi").wait_for()

    page.get_by_role("tab", name="Estado").click()
    status = page.locator("#panel-status")
    expect(status.get_by_text("Dropi configurado: Tienda Demo (CO)")).to_be_visible()
    expect(status.get_by_text("Dropi no configurado")).to_be_hidden()
    expect(steps.nth(1)).to_contain_text("✓")
    expect(steps.nth(2)).to_contain_text("✓")
    expect(steps.nth(3)).not_to_contain_text("✓")

    page.get_by_role("tab", name="Asistente IA").click()
    page.get_by_label("Nombre del agente IA").fill("Andrés")
    page.get_by_role("button", name="Actualizar Información").click()
    page.locator(".toast", has_text="Asistente IA guardada").wait_for()
    page.get_by_role("tab", name="Estado").click()
    expect(steps.nth(3)).to_contain_text("✓")


def test_estado_shows_delivery_times_in_the_shops_time_zone(
    live_server, shopify_simulator, session_token, browser_page
):
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, iana_timezone="America/Bogota")
    delivery = FlowDelivery.objects.create(
        shop=SHOP, kind=FlowDelivery.Kind.ORDER_CREATED, shopify_object_id="5001", order_name="#1001"
    )
    FlowDelivery.objects.filter(pk=delivery.pk).update(
        created_at=datetime.datetime(2025, 12, 6, 21, 12, tzinfo=datetime.UTC)
    )
    page = browser_page
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(SHOP)})

    page.goto(f"{live_server.url}/app/configuration?tab=status&{query}")

    row = page.locator("#panel-status tr", has_text="#1001")
    expect(row).to_contain_text("6 dic 2025, 16:12")
