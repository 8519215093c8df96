"""Pedidos' Dropi column and Configuración › Dropi in a real browser (Debian chromium), against
the Shopify and Dropi simulators: a placed order with its Dropi id and history, the Dropi
filters, an address Dropi refused corrected in the form and placed again, "Crear en Dropi" in
the manual mode, and who places the orders chosen in Configuración."""

import datetime
import json
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from products.tests.factories import ProductAssociationFactory
from shops.models import DropiDepartment, DropiOrder, FlowDelivery, ShopConfiguration
from shops.services import dropi_orders
from shops.tests.dropi_shop import ECOMDROP_KEY, SHOP
from shops.tests.payloads import order_payload
from simulators.shopify_orders import add_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_page(page, live_server, session_token, path="/app/orders", **params):
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=15))
    query = urlencode({"shop": SHOP, "host": "YWRtaW4", "embedded": "1", "locale": "es", "id_token": token, **params})
    page.goto(f"{live_server.url}{path}?{query}")


def order_row(page, name):
    return page.locator("[data-orders-body] tr", has_text=name)


def record_unlinked(dropi_shop, *, name):
    """An order of one product that is not linked to Dropi (it exists in Shopify)."""
    payload = order_payload(
        name=name,
        line_items=[{"id": 9, "product_id": 99, "variant_id": 991, "title": "Gorra", "quantity": 1, "price": "1.00"}],
    )
    add_order(dropi_shop.shopify, SHOP, name=name, order_id=payload["id"])
    order, _created = dropi_orders.dropi_order_record(shop=SHOP, order=payload)
    return order


def test_pedidos_shows_a_placed_order_with_its_dropi_id_and_history(
    client, live_server, dropi_shop, session_token, browser_page, run_worker, screenshots
):
    dropi_shop.set_mode("app_on_confirm")
    order = dropi_shop.record(name="#1201")
    FlowDelivery.objects.create(  # the "Nuevo Pedido" flow went out
        shop=SHOP,
        kind=FlowDelivery.Kind.ORDER_CREATED,
        shopify_object_id=order.shopify_order_id,
        order_name="#1201",
        state=FlowDelivery.Status.SENT,
        sent_at=timezone.now(),
    )
    answer = client.post(  # the buyer confirmed on WhatsApp
        "/api/ecomdrop/callback",
        json.dumps({"orderId": order.shopify_order_id, "action": "confirm"}),
        content_type="application/json",
        HTTP_X_CONNECTOR_TOKEN=dropi_shop.configuration.callback_secret.reveal(),
    )
    assert answer.status_code == 200, answer.content
    run_worker()
    order.refresh_from_db()
    assert order.state == DropiOrder.State.PLACED

    open_page(browser_page, live_server, session_token)
    row = order_row(browser_page, "#1201")
    dropi = row.locator("[data-dropi-cell]")
    expect(dropi.locator("[data-dropi-state]")).to_have_text("En Dropi")
    expect(dropi).to_contain_text(f"Pedido Dropi #{order.dropi_order_id}")
    dropi.get_by_text("Historial").click()
    history = dropi.locator("[data-history] li")
    expect(history.first).to_contain_text("Pedido recibido · Shopify")
    expect(dropi.locator('[data-history-kind="flow_sent"]')).to_contain_text("Flujo 'Nuevo Pedido' enviado · App")
    expect(dropi.locator('[data-history-kind="confirmed"]')).to_contain_text("Confirmado por el bot · Bot de Ecomdrop")
    assert [item.get_attribute("data-history-kind") for item in history.all()] == [
        "recorded",
        "flow_sent",
        "confirmed",
        "attempt",
        "placed",
        "tagged",
    ]
    expect(history.nth(2).locator("time")).not_to_be_empty()
    placed = dropi.locator('[data-history-kind="placed"]')
    expect(placed).to_contain_text("Creado en Dropi · App")
    expect(placed).to_contain_text(f"Pedido Dropi #{order.dropi_order_id}")
    expect(dropi.locator('[data-history-kind="attempt"]')).to_contain_text("intento 1")
    expect(dropi.get_by_role("button", name="Crear en Dropi")).to_have_count(0)
    browser_page.screenshot(path=screenshots / "orders-dropi.png", full_page=True)


def test_the_dropi_filters_list_only_their_orders(live_server, dropi_shop, session_token, browser_page, run_worker):
    placed = dropi_shop.record(name="#1301")
    unlinked = record_unlinked(dropi_shop, name="#1302")
    run_worker()
    unlinked.refresh_from_db()
    assert unlinked.state == DropiOrder.State.NEEDS_LINK
    page = browser_page
    open_page(page, live_server, session_token)
    expect(order_row(page, "#1302")).to_be_visible()
    expect(order_row(page, "#1301")).to_be_visible()

    page.get_by_role("button", name="En Dropi", exact=True).click()
    expect(order_row(page, "#1302")).to_have_count(0)
    expect(order_row(page, "#1301").locator("[data-dropi-state]")).to_have_text("En Dropi")
    assert page.get_by_role("button", name="En Dropi", exact=True).get_attribute("aria-pressed") == "true"

    page.get_by_role("button", name="Sin vínculo Dropi", exact=True).click()
    expect(order_row(page, placed.order_name)).to_have_count(0)
    row = order_row(page, "#1302")
    expect(row).to_contain_text("Gorra")
    expect(row).to_contain_text("El producto no está vinculado con Dropi")
    expect(row.get_by_role("link", name="Vincular en Productos")).to_be_visible()
    expect(row.get_by_role("button", name="Reintentar")).to_be_visible()

    page.get_by_role("button", name="Fallidos", exact=True).click()
    expect(page.locator("[data-orders-body]")).to_contain_text("No hay pedidos en este filtro.")


def test_an_address_dropi_refused_is_corrected_in_the_form_and_placed_again(
    live_server, dropi_shop, session_token, browser_page, run_worker, screenshots
):
    DropiDepartment.objects.update_or_create(  # the seeded table does not outlive other browser tests' flushes
        country="CO", province_code="ANT", defaults={"province_name": "Antioquia", "dropi_name": "ANTIOQUIA"}
    )
    dropi_shop.dropi.orders.refuse_address()
    order = dropi_shop.record(name="#1401")
    run_worker()
    order.refresh_from_db()
    assert order.state == DropiOrder.State.ADDRESS
    page = browser_page
    open_page(page, live_server, session_token)
    dropi = order_row(page, "#1401").locator("[data-dropi-cell]")
    expect(dropi.locator("[data-dropi-state]")).to_have_text("Dirección por corregir")

    page.get_by_role("button", name="Corregir la dirección").click()
    dialog = page.locator("[data-address-dialog]")
    expect(dialog.locator("[data-address-problem]")).to_contain_text("Dropi rechazó la dirección")
    page.get_by_label("Ciudad").fill("")
    page.get_by_role("button", name="Guardar y reintentar").click()
    expect(dialog.locator('[data-error-for="city"]')).to_have_text("Este campo es obligatorio.")
    page.get_by_label("Ciudad").fill("Medellín")
    page.get_by_label("Teléfono").fill("no es un teléfono")
    page.get_by_role("button", name="Guardar y reintentar").click()
    expect(dialog.locator('[data-error-for="phone"]')).not_to_be_empty()
    assert DropiOrder.objects.get(pk=order.pk).address["city"] == order.address["city"]  # nothing saved
    page.screenshot(path=screenshots / "orders-dropi-address.png", full_page=True)

    page.get_by_label("Teléfono").fill("+57 310 555 1234")
    page.get_by_label("Departamento / estado").fill("antioquia")
    expect(page.get_by_label("Código de provincia (Shopify)")).to_have_value("ANT")  # from the department table
    page.get_by_role("button", name="Guardar y reintentar").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".toast", has_text="Dirección guardada")).to_be_visible()
    order.refresh_from_db()
    assert (order.state, order.address["city"]) == (DropiOrder.State.QUEUED, "Medellín")

    run_worker()  # the page follows the placement by itself
    expect(dropi.locator("[data-dropi-state]")).to_have_text("En Dropi", timeout=20_000)
    (created,) = dropi_shop.created()
    assert created["shop_order_id"] == order.shopify_order_id


def test_crear_en_dropi_in_the_manual_mode_asks_first_and_places_once(
    live_server, dropi_shop, session_token, browser_page, run_worker
):
    dropi_shop.set_mode("manual")
    order = dropi_shop.record(name="#1501")
    assert order.state == DropiOrder.State.AWAITING
    page = browser_page
    open_page(page, live_server, session_token)
    dropi = order_row(page, "#1501").locator("[data-dropi-cell]")
    expect(dropi.locator("[data-dropi-state]")).to_have_text("En espera")

    dropi.get_by_role("button", name="Crear en Dropi").click()
    confirm = page.locator("[data-place-dialog]")
    expect(confirm).to_contain_text("#1501")
    confirm.get_by_role("button", name="Cancelar").click()
    assert DropiOrder.objects.get(pk=order.pk).state == DropiOrder.State.AWAITING

    dropi.get_by_role("button", name="Crear en Dropi").click()
    confirm.get_by_role("button", name="Crear en Dropi").click()
    expect(page.locator(".toast", has_text="Creando el pedido en Dropi")).to_be_visible()
    expect(dropi.locator("[data-dropi-state]")).to_have_text("En cola")
    expect(dropi.get_by_role("button", name="Crear en Dropi")).to_have_count(0)

    run_worker()
    expect(dropi.locator("[data-dropi-state]")).to_have_text("En Dropi", timeout=20_000)
    assert len(dropi_shop.created()) == 1


def test_who_places_the_dropi_orders_is_chosen_in_configuracion(
    live_server, dropi_shop, session_token, browser_page, screenshots
):
    ShopConfiguration.objects.filter(shop=SHOP).update(dropi_order_mode="bot", ecomdrop_api_key=ECOMDROP_KEY)
    page = browser_page
    open_page(page, live_server, session_token, path="/app/configuration", tab="dropi")
    card = page.locator("[data-order-mode-card]")
    expect(card.get_by_label("El bot de Ecomdrop (predeterminado)")).to_be_checked()
    expect(card).to_contain_text("Para tiendas con pago anticipado")

    card.get_by_label("Tú, desde Pedidos").check()
    card.get_by_label("Cancelar el pedido en Shopify cuando el bot lo cancela").check()
    card.get_by_role("button", name="Guardar pedidos en Dropi").click()
    expect(page.locator(".toast", has_text="Ajustes de pedidos Dropi guardados")).to_be_visible()
    configuration = ShopConfiguration.objects.get(shop=SHOP)
    assert (configuration.dropi_order_mode, configuration.cancel_shopify_order_on_bot_cancel) == ("manual", True)
    page.screenshot(path=screenshots / "configuration-dropi-orders.png", full_page=True)

    page.reload()
    expect(card.get_by_label("Tú, desde Pedidos")).to_be_checked()
    expect(card.get_by_label("Cancelar el pedido en Shopify cuando el bot lo cancela")).to_be_checked()


def test_the_ecomdrop_card_shows_the_callback_contract_with_copyable_examples(
    live_server, dropi_shop, session_token, browser_page, screenshots
):
    ShopConfiguration.objects.filter(shop=SHOP).update(ecomdrop_api_key=ECOMDROP_KEY)
    page = browser_page
    open_page(page, live_server, session_token, path="/app/configuration", tab="ecomdrop")
    contract = page.locator("[data-callback-contract]")
    expect(contract.locator('[data-callback-example="confirm"]')).to_be_hidden()

    contract.get_by_text("Contrato del callback").click()
    example = contract.locator('[data-callback-example="update_address"]')
    expect(example).to_contain_text('"action": "update_address"')
    expect(example).to_contain_text('"orderId": "{{pedido_id}}"')
    expect(contract.locator('[data-callback-example="cancel"]')).to_contain_text('"action": "cancel"')
    example.get_by_role("button", name="Copiar").click()
    expect(page.locator(".toast", has_text="Copiado")).to_be_visible()
    page.screenshot(path=screenshots / "configuration-callback-contract.png", full_page=True)


def test_reintentar_places_an_order_once_its_product_is_linked(
    live_server, dropi_shop, session_token, browser_page, run_worker
):
    order = record_unlinked(dropi_shop, name="#1601")
    run_worker()
    page = browser_page
    open_page(page, live_server, session_token)
    dropi = order_row(page, "#1601").locator("[data-dropi-cell]")
    expect(dropi.locator("[data-dropi-state]")).to_have_text("Productos sin vínculo Dropi")
    expect(dropi).to_contain_text("Vincúlalos en Productos")

    ProductAssociationFactory(  # the merchant links it in Productos
        shop=SHOP, dropi_product_id="502", shopify_product_id="gid://shopify/Product/99", dropi_variations=[]
    )
    dropi.get_by_role("button", name="Reintentar").click()
    expect(page.locator(".toast", has_text="Volviendo a crear el pedido en Dropi")).to_be_visible()
    expect(dropi.locator("[data-dropi-state]")).to_have_text("En cola")
    run_worker()
    expect(dropi.locator("[data-dropi-state]")).to_have_text("En Dropi", timeout=20_000)
    (created,) = dropi_shop.created()
    assert created["shop_order_id"] == order.shopify_order_id


def test_an_order_the_bot_cancels_after_placement_says_it_must_be_cancelled_in_dropi(
    client, live_server, dropi_shop, session_token, browser_page, run_worker
):
    order = dropi_shop.record(name="#1701")
    run_worker()
    order.refresh_from_db()
    answer = client.post(
        "/api/ecomdrop/callback",
        json.dumps({"orderId": order.shopify_order_id, "action": "cancel"}),
        content_type="application/json",
        HTTP_X_CONNECTOR_TOKEN=dropi_shop.configuration.callback_secret.reveal(),
    )
    assert answer.status_code == 200, answer.content

    open_page(browser_page, live_server, session_token)
    dropi = order_row(browser_page, "#1701").locator("[data-dropi-cell]")
    expect(dropi).to_contain_text("Debes cancelarlo en Dropi")
    expect(dropi).to_contain_text(f"Cancela el pedido {order.dropi_order_id} en Dropi")
    expect(dropi.get_by_role("button")).to_have_count(0)
