"""Configuración › Ecomdrop › Carritos abandonados y reglas de pedidos in a real browser: the
defaults shown, choosing draft orders with a COD form app's tag, the guardrails saved, and a
refused value shown at its field."""

import datetime
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from shops.models import DeliveryRules
from shops.tests.factories import ShopConfigurationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = "demo-tienda.myshopify.com"
KEY = "ecomdrop-demo-key-0123456789"


def test_cart_sources_and_order_rules_are_shown_and_saved(
    live_server, shopify_simulator, ecomdrop_simulator, session_token, browser_page, screenshots, settings
):
    settings.DELIVERY_QUIET_HOURS_BY_DEFAULT = True
    settings.DELIVERY_DUPLICATE_WINDOW_MINUTES = 30
    ecomdrop_simulator.add_account(KEY, name="Tienda Demo Ecomdrop")
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=datetime.datetime.now(tz=datetime.UTC))
    page = browser_page
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "id_token": session_token(SHOP)})
    page.goto(f"{live_server.url}/app/configuration?tab=ecomdrop&{query}")

    card = page.locator("[data-delivery-rules-card]")
    card.get_by_role("heading", name="Carritos abandonados y reglas de pedidos").wait_for()
    save = card.get_by_role("button", name="Guardar reglas")
    expect(save).to_be_enabled()
    # The defaults: checkouts only, COD / manual / pending, POS skipped, 21:00–08:00, 30 minutes.
    expect(card.get_by_label("Los carritos abandonados vienen de")).to_have_value("checkouts")
    assert card.locator("[data-draft-options]").is_hidden()
    expect(card.get_by_role("checkbox", name="Contra entrega", exact=True)).to_be_checked()
    expect(card.get_by_role("checkbox", name="Pago manual", exact=True)).to_be_checked()
    expect(card.get_by_role("checkbox", name="Pago pendiente", exact=True)).to_be_checked()
    expect(card.get_by_role("checkbox", name="Prepagado (pagado en línea)", exact=True)).not_to_be_checked()
    expect(card.get_by_label("Omitir pedidos de estos canales de venta")).to_have_value("pos")
    expect(card.get_by_label("Desde")).to_have_value("21:00")
    expect(card.get_by_label("Hasta")).to_have_value("08:00")
    expect(card.get_by_label("Protección contra duplicados (minutos)")).to_have_value("30")

    # Draft orders without any tag are refused at the field.
    card.get_by_label("Los carritos abandonados vienen de").select_option("both")
    assert card.locator("[data-draft-options]").is_visible()
    save.click()
    error = card.locator('[data-error-for="draft_tags"]')
    expect(error).to_contain_text("Agrega la etiqueta que tu app de formulario")
    assert not DeliveryRules.objects.exists()

    card.get_by_role("checkbox", name="releasit", exact=True).check()
    card.get_by_label("Otras etiquetas (separadas por comas)").fill("cod-abandonado, Form2")
    card.get_by_role("checkbox", name="Prepagado (pagado en línea)", exact=True).check()
    card.get_by_label("Omitir pedidos con estas etiquetas").fill("mayorista")
    card.get_by_label("Desde").fill("22:30")
    card.get_by_label("Hasta").fill("07:00")
    card.get_by_label("Protección contra duplicados (minutos)").fill("45")
    save.click()
    page.get_by_text("Reglas guardadas.").first.wait_for()
    expect(error).to_be_empty()
    page.screenshot(path=screenshots / "configuration-delivery-rules.png", full_page=True)

    rules = DeliveryRules.objects.get(shop=SHOP)
    assert rules.cart_source == "both"
    assert rules.draft_tags == ["releasit", "cod-abandonado", "Form2"]
    assert rules.payment_methods == ["cod", "manual", "pending", "prepaid"]
    assert (rules.skip_tags, rules.skip_channels) == (["mayorista"], ["pos"])
    assert (rules.quiet_start, rules.quiet_end) == (datetime.time(22, 30), datetime.time(7, 0))
    assert rules.duplicate_window_minutes == 45

    # What was saved is what the page shows after a reload.
    page.reload()
    expect(card.get_by_role("checkbox", name="releasit", exact=True)).to_be_checked()
    expect(card.get_by_label("Otras etiquetas (separadas por comas)")).to_have_value("cod-abandonado, Form2")

    for label in ("Contra entrega", "Pago manual", "Pago pendiente", "Prepagado (pagado en línea)"):
        card.get_by_role("checkbox", name=label, exact=True).uncheck()
    save.click()
    expect(card.locator('[data-error-for="payment_methods"]')).to_contain_text("Elige al menos un método de pago")
    assert DeliveryRules.objects.get(shop=SHOP).payment_methods == ["cod", "manual", "pending", "prepaid"]
