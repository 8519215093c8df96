"""The Asistente IA tab in a real browser (Debian chromium), driven with the keyboard only."""

import datetime
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assistant import services
from assistant.models import AIConfiguration
from assistant.tests.profiles import profile
from shops.tests.factories import ShopConfigurationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOP = "demo-tienda.myshopify.com"
KEY = "ecomdrop-demo-key-0123456789"


@pytest.fixture(autouse=True)
def _orm_next_to_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def open_tab(live_server, shopify_simulator, session_token, browser_page):
    errors = []
    browser_page.on("pageerror", lambda error: errors.append(str(error)))

    def open_page(shop=SHOP, locale="es"):
        token = session_token(shop, lifetime=datetime.timedelta(minutes=30))
        query = urlencode(
            {"shop": shop, "host": "YWRtaW4", "embedded": "1", "locale": locale, "tab": "assistant", "id_token": token}
        )
        browser_page.goto(f"{live_server.url}/app/configuration?{query}")
        return browser_page

    yield open_page
    assert errors == []


def focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement; return [e.id, e.getAttribute('data-part'), "
        "e.getAttribute('data-key'), e.getAttribute('aria-label') || e.textContent.trim()]; }"
    )


def tab_to(page, description, *, limit=80):
    """Press Tab until the focused element's id, data-part, data-key or label is ``description``."""
    for _press in range(limit):
        if description in focused(page):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"never reached {description!r} with Tab (last: {focused(page)})")


def type_here(page, text):
    page.keyboard.type(text)


def test_gate_without_the_ecomdrop_key_leads_to_the_ecomdrop_tab(open_tab):
    page = open_tab()

    panel = page.locator("#panel-assistant")
    assert panel.get_by_role("heading", name="API Key de Ecomdrop Requerida").is_visible()
    tab_to(page, "Ir a Configuración de Ecomdrop")
    page.keyboard.press("Enter")

    assert page.get_by_role("tab", name="Ecomdrop").get_attribute("aria-selected") == "true"
    assert page.locator("#panel-ecomdrop").is_visible()


def test_fill_every_section_with_the_keyboard_save_reload_and_see_it_synced(open_tab, ecomdrop_simulator, screenshots):
    ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=timezone.now())
    page = open_tab()
    panel = page.locator("#panel-assistant")
    state = panel.locator("[data-dirty-state]")
    assert state.inner_text() == "No hay cambios pendientes"
    assert panel.get_by_text("Sin sincronizar").is_visible()

    # Información Básica
    tab_to(page, "agent_name")
    type_here(page, "Andrés 🤖")
    page.keyboard.press("Tab")
    type_here(page, "ClickShop®")
    page.keyboard.press("Tab")
    type_here(page, "Tecnología en Bogotá 🇨🇴. Envíos a todo el país.")
    assert state.inner_text() == "Tienes cambios sin guardar"

    # Métodos de Pago: add two, switch one off, move it up and back down
    tab_to(page, "+ Agregar Método de Pago")
    page.keyboard.press("Enter")
    type_here(page, "Contra entrega")
    tab_to(page, "+ Agregar Método de Pago")
    page.keyboard.press("Enter")
    type_here(page, "Nequi 💸")
    page.keyboard.press("Tab")  # "Activo"
    page.keyboard.press("Space")
    tab_to(page, "Subir Método de pago #2")
    page.keyboard.press("Enter")
    names = panel.locator('[data-list="payment_methods"] [data-key="name"]')
    assert [names.nth(index).input_value() for index in range(2)] == ["Nequi 💸", "Contra entrega"]
    assert focused(page)[3] == "Bajar Método de pago #1"  # "up" is disabled at the top: focus stays usable
    page.keyboard.press("Enter")
    assert [names.nth(index).input_value() for index in range(2)] == ["Contra entrega", "Nequi 💸"]
    checks = panel.locator('[data-list="payment_methods"] [data-key="enabled"]')
    assert [checks.nth(index).is_checked() for index in range(2)] == [True, False]

    # Políticas de la Empresa
    tab_to(page, "company_policies")
    type_here(page, "Cambios hasta 30 días. Garantía de 1 año.")

    # Preguntas Frecuentes (the answer is far too long: the server will say so next to it)
    tab_to(page, "+ Agregar Pregunta Frecuente")
    page.keyboard.press("Enter")
    type_here(page, "¿Envían gratis?")
    page.keyboard.press("Tab")
    page.keyboard.insert_text("Sí " * 1700)

    # Preguntas Frecuentes Post Venta
    tab_to(page, "+ Agregar Pregunta Post Venta")
    page.keyboard.press("Enter")
    type_here(page, "¿Dónde está mi pedido?")
    page.keyboard.press("Tab")
    type_here(page, "Te enviamos la guía por WhatsApp.")

    # Reglas: add three, delete the second
    for text in ("Responder siempre en español", "Regla que sobra", "Nunca prometer fechas exactas"):
        tab_to(page, "+ Agregar Regla")
        page.keyboard.press("Enter")
        type_here(page, text)
    tab_to(page, "Eliminar Regla #2")
    page.keyboard.press("Enter")
    rules = panel.locator('[data-list="rules"] [data-key="text"]')
    assert [rules.nth(index).input_value() for index in range(rules.count())] == [
        "Responder siempre en español",
        "Nunca prometer fechas exactas",
    ]
    assert focused(page)[2] == "text"  # focus moved to the rule that took its place

    # Notificaciones: two through the dialog
    dialog = page.locator("[data-notification-dialog]")
    tab_to(page, "+ Agregar Notificación")
    page.keyboard.press("Enter")
    assert dialog.is_visible()
    assert focused(page)[0] == "notification-type"
    page.keyboard.press("ArrowDown")
    assert page.locator("#notification-type").input_value() == "Cancelación"
    page.keyboard.press("Tab")  # country: Colombia by default
    page.keyboard.press("Tab")
    type_here(page, "300 123 4567")
    page.keyboard.press("Tab")
    type_here(page, "Laura Gómez")
    page.keyboard.press("Enter")
    assert not dialog.is_visible()
    assert focused(page)[3] == "Editar Notificación #1"

    tab_to(page, "+ Agregar Notificación")
    page.keyboard.press("Enter")
    used = page.locator('#notification-type option[value="Cancelación"]')
    assert used.is_disabled()
    assert used.inner_text() == "Cancelación (Ya configurado)"
    type_here(page, "Gar")
    assert page.locator("#notification-type").input_value() == "Garantía"
    page.keyboard.press("Tab")
    type_here(page, "Per")
    assert page.locator("#notification-country").input_value() == "PE"
    page.keyboard.press("Tab")
    type_here(page, "987 654 321")
    page.keyboard.press("Tab")
    type_here(page, "Ñoño Pérez")
    page.keyboard.press("Enter")
    assert not dialog.is_visible()

    # A third one may not reuse a type: disabled in the list, refused if forced.
    tab_to(page, "+ Agregar Notificación")
    page.keyboard.press("Enter")
    type_here(page, "Cancel")
    assert page.locator("#notification-type").input_value() != "Cancelación"  # a used type cannot be picked
    page.evaluate("document.getElementById('notification-type').value = 'Garantía'")
    tab_to(page, "notification-phone")
    type_here(page, "300 765 4321")
    page.keyboard.press("Tab")
    type_here(page, "Otra persona")
    page.keyboard.press("Enter")
    type_error = dialog.locator('[data-dialog-error="type"]')
    assert type_error.inner_text() == 'Ya existe una notificación configurada para el tipo "Garantía"'
    assert page.locator("#notification-type").get_attribute("aria-invalid") == "true"
    page.screenshot(path=screenshots / "assistant-notification-dialog-es.png")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert focused(page)[3] == "+ Agregar Notificación"
    notifications = panel.locator('[data-list="notifications"] > li')
    assert notifications.count() == 2
    assert "Ñoño Pérez • +51987654321" in notifications.nth(1).inner_text()

    # Save: the server refuses the long answer and says so next to it; nothing is saved.
    tab_to(page, "Actualizar Información")
    page.keyboard.press("Enter")
    answer_error = panel.locator('[data-list="faq"] [data-error-key="answer"]')
    answer_error.wait_for()
    page.wait_for_function("document.activeElement.getAttribute('data-key') === 'answer'")
    assert "Como máximo 5000 caracteres" in answer_error.inner_text()
    assert panel.locator("[data-error-summary]").is_visible()
    assert not AIConfiguration.objects.filter(shop=SHOP).exists()
    page.keyboard.press("Control+A")
    type_here(page, "Sí, desde $100.000 🚚")
    assert answer_error.inner_text() == ""

    tab_to(page, "Actualizar Información")
    page.keyboard.press("Enter")
    page.get_by_text("✅ Configuración del Asistente IA guardada exitosamente").wait_for()
    assert state.inner_text() == "No hay cambios pendientes"
    panel.get_by_text("Sincronizado hace un momento").wait_for()

    stored = AIConfiguration.objects.get(shop=SHOP)
    assert stored.agent_name == "Andrés 🤖"
    assert [method["name"] for method in stored.payment_methods] == ["Contra entrega", "Nequi 💸"]
    assert [(item["type"], item["phone"], item["country"]) for item in stored.notifications] == [
        ("Cancelación", "+573001234567", "CO"),
        ("Garantía", "+51987654321", "PE"),
    ]
    assert stored.state == AIConfiguration.SyncStatus.SYNCED
    values = ecomdrop_simulator.bot_field_values(KEY)
    assert values["ia_nombre_agente"] == "Andrés 🤖"
    assert "P: ¿Envían gratis?\nR: Sí, desde $100.000 🚚" in values["ia_perfil"]

    # Reload: everything comes back as saved, with its sync status.
    page = open_tab()
    panel = page.locator("#panel-assistant")
    assert panel.locator('[data-part="agent_name"]').input_value() == "Andrés 🤖"
    assert panel.locator('[data-part="company_name"]').input_value() == "ClickShop®"
    assert panel.locator('[data-part="company_policies"]').input_value() == "Cambios hasta 30 días. Garantía de 1 año."
    assert panel.locator('[data-list="faq"] [data-key="answer"]').input_value() == "Sí, desde $100.000 🚚"
    assert panel.locator('[data-list="post_sale_faq"] [data-key="question"]').input_value() == "¿Dónde está mi pedido?"
    assert panel.locator('[data-list="rules"] [data-key="text"]').count() == 2
    assert panel.locator('[data-list="notifications"] > li').count() == 2
    assert panel.locator("[data-sync-badge]").inner_text() == "Sincronizado"
    assert panel.locator("[data-sync-text]").inner_text() == "Sincronizado hace un momento"
    assert panel.locator("[data-dirty-state]").inner_text() == "No hay cambios pendientes"
    assert panel.locator("[data-save]").is_disabled()
    page.screenshot(path=screenshots / "assistant-profile-es.png", full_page=True)

    english = open_tab(locale="en")
    assert english.locator("#panel-assistant").get_by_role("heading", name="Basic information").is_visible()
    assert english.locator("[data-sync-text]").inner_text() == "Synced a moment ago"
    english.screenshot(path=screenshots / "assistant-profile-en.png", full_page=True)


SAVE_BAR_STUB = """
window.saveBarCalls = [];
window.shopify = {
  saveBar: {
    show: (id) => { window.saveBarCalls.push(["show", id]); return Promise.resolve(); },
    hide: (id) => { window.saveBarCalls.push(["hide", id]); return Promise.resolve(); },
  },
};
"""


def save_bar_calls(page):
    return [tuple(call) for call in page.evaluate("window.saveBarCalls")]


def test_app_bridge_save_bar_shows_on_edit_saves_from_its_button_and_hides(open_tab, browser_page, ecomdrop_simulator):
    ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=timezone.now())
    browser_page.add_init_script(SAVE_BAR_STUB)  # App Bridge's shopify.saveBar, as Shopify Admin provides it
    page = open_tab()
    panel = page.locator("#panel-assistant")
    assert save_bar_calls(page) == [("hide", "assistant-save-bar")]  # nothing to save yet

    tab_to(page, "agent_name")
    type_here(page, "Andrés")
    assert save_bar_calls(page) == [
        ("hide", "assistant-save-bar"),
        ("show", "assistant-save-bar"),
    ]  # once, not at every key

    # Shopify Admin's Save button clicks the <ui-save-bar>'s primary button.
    page.evaluate("document.getElementById('assistant-save-bar-save').click()")
    page.get_by_text("✅ Configuración del Asistente IA guardada exitosamente").wait_for()
    assert AIConfiguration.objects.get(shop=SHOP).agent_name == "Andrés"
    assert save_bar_calls(page) == [
        ("hide", "assistant-save-bar"),
        ("show", "assistant-save-bar"),
        ("hide", "assistant-save-bar"),
    ]
    assert panel.locator("[data-dirty-state]").inner_text() == "No hay cambios pendientes"

    # Its Discard button puts the saved profile back and hides the bar.
    page.keyboard.type(" Pérez")
    assert save_bar_calls(page)[-1] == ("show", "assistant-save-bar")
    page.evaluate("document.getElementById('assistant-save-bar-discard').click()")
    assert panel.locator('[data-part="agent_name"]').input_value() == "Andrés"
    assert save_bar_calls(page)[-1] == ("hide", "assistant-save-bar")
    assert len(save_bar_calls(page)) == 5
    assert AIConfiguration.objects.get(shop=SHOP).revision == 1


def test_notifications_are_moved_up_and_down_with_the_keyboard_and_saved_in_that_order(open_tab, ecomdrop_simulator):
    ecomdrop_simulator.add_account(KEY)
    ShopConfigurationFactory(shop=SHOP, ecomdrop_api_key=KEY, installed_at=timezone.now())
    services.ai_profile_save(shop=SHOP, data=profile())
    page = open_tab()
    panel = page.locator("#panel-assistant")
    rows = panel.locator('[data-list="notifications"] > li')

    def types():
        return [rows.nth(index).locator('[data-show="type"]').inner_text() for index in range(rows.count())]

    assert types() == ["Cancelación", "Garantía"]
    tab_to(page, "Subir Notificación #2")
    page.keyboard.press("Enter")
    assert types() == ["Garantía", "Cancelación"]
    assert focused(page)[3] == "Bajar Notificación #1"  # "up" is disabled at the top: focus stays usable
    assert panel.locator("[data-dirty-state]").inner_text() == "Tienes cambios sin guardar"
    page.keyboard.press("Enter")
    assert types() == ["Cancelación", "Garantía"]
    assert focused(page)[3] == "Subir Notificación #2"  # "down" is disabled at the bottom
    page.keyboard.press("Enter")
    assert types() == ["Garantía", "Cancelación"]

    tab_to(page, "Actualizar Información")
    page.keyboard.press("Enter")
    page.get_by_text("✅ Configuración del Asistente IA guardada exitosamente").wait_for()

    assert [item["type"] for item in AIConfiguration.objects.get(shop=SHOP).notifications] == [
        "Garantía",
        "Cancelación",
    ]
    assert ecomdrop_simulator.bot_field_values(KEY)["ia_notificaciones"].startswith("- Garantía: Ñoño Pérez")


def test_a_sync_that_waits_without_a_worker_says_the_worker_is_not_running(open_tab, screenshots):
    from connector.heartbeat import worker_heartbeat_record

    ShopConfigurationFactory(
        shop=SHOP, ecomdrop_api_key=KEY, iana_timezone="America/Bogota", installed_at=timezone.now()
    )
    configuration = AIConfiguration.objects.create(shop=SHOP, **profile(), state="pending", revision=1)
    AIConfiguration.objects.filter(pk=configuration.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    worker_heartbeat_record(now=datetime.datetime(2025, 12, 6, 21, 12, tzinfo=datetime.UTC))

    page = open_tab()

    card = page.locator("[data-sync-card]")
    expect(card.locator("[data-sync-badge]")).to_have_text("En espera")
    expect(card).to_contain_text("El proceso en segundo plano de la app no está en marcha")
    expect(card).to_contain_text("Estuvo en marcha por última vez el 6 dic 2025, 16:12.")
    page.screenshot(path=screenshots / "assistant-worker-missing-es.png", full_page=False)

    worker_heartbeat_record()  # a worker starts: the next poll shows the sync going on
    AIConfiguration.objects.filter(pk=configuration.pk).update(updated_at=timezone.now())
    expect(card.locator("[data-sync-badge]")).to_have_text("Sincronizando…", timeout=10_000)
