"""The Tema page in a real browser (Debian chromium, no Shopify CDN): install, progress, success.

The app runs on pytest-django's live server. Background tasks go to the dummy backend and the
test runs them one by one, so each stage of the install stays on screen long enough to be seen
(with the immediate backend the POST would only return once everything had finished). Shopify is
the simulator, which downloads the theme from the app's signed URL on the live server.
"""

import datetime
import threading
import time
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks.signals import task_enqueued

from themes.models import ThemeInstall
from themes.tests.conftest import SHOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class EnqueuedTasks:
    """Collects the tasks the app enqueues (in any thread) and runs them here, in order."""

    def __init__(self) -> None:
        self.results = []
        self.lock = threading.Lock()

    def record(self, sender, task_result, **kwargs):
        with self.lock:
            self.results.append(task_result)

    def run_next(self, name: str) -> None:
        deadline = time.monotonic() + 10
        while True:
            with self.lock:
                result = self.results.pop(0) if self.results else None
            if result is not None:
                break
            assert time.monotonic() < deadline, f"{name} was never enqueued"
            time.sleep(0.05)
        assert result.task.name == name
        context = (TaskContext(task_result=result),) if result.task.takes_context else ()
        result.task.call(*context, *result.args, **result.kwargs)


@pytest.fixture
def enqueued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    tasks = EnqueuedTasks()
    task_enqueued.connect(tasks.record, weak=False)
    yield tasks
    task_enqueued.disconnect(tasks.record)


def test_install_shows_progress_then_the_installed_theme_with_its_links(
    live_server, settings, github_theme, shopify_themes, session_token, browser_page, enqueued, screenshots
):
    settings.SHOPIFY_APP_URL = live_server.url
    shopify_themes.fetch_sources = True
    shopify_themes.processing_polls = 2
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=10))
    page = browser_page

    page.goto(f"{live_server.url}/app/theme?{urlencode({'shop': SHOP, 'host': 'YWRtaW4', 'id_token': token})}")

    assert page.locator("h1.page__title").inner_text() == "Tema"
    rows = page.locator("[data-themes-rows] tr")
    rows.first.wait_for()
    assert "Dawn" in rows.first.inner_text()
    assert "Publicado" in rows.first.inner_text()

    page.get_by_role("button", name="Instalar tema").click()
    dialog = page.locator("dialog[data-install-dialog]")
    assert dialog.is_visible()
    assert "¿Instalar «Ecomdrop Theme 2.5»?" in dialog.inner_text()
    dialog.get_by_role("button", name="Instalar", exact=True).click()

    message = page.locator("[data-install-message]")
    message.filter(has_text="Esperando para empezar").wait_for()
    assert page.get_by_role("button", name="Instalando…").is_disabled()

    enqueued.run_next("run_theme_install")  # download, validate, themeCreate
    message.filter(has_text="Shopify está procesando el tema").wait_for()
    assert page.locator("[data-install-steps] li.is-current").inner_text() == "Procesando en Shopify"
    page.screenshot(path=screenshots / "theme-install-progress.png", full_page=True)

    enqueued.run_next("run_theme_install")  # a status check: still processing
    enqueued.run_next("run_theme_install")  # a status check: Shopify fetches the signed URL and finishes

    success = page.locator("[data-install-success]")
    success.wait_for()
    install = ThemeInstall.objects.get()
    assert install.state == ThemeInstall.State.READY
    numeric_id = install.theme_numeric_id
    assert shopify_themes.created(SHOP)[0].fetch_status == 200
    assert "Ecomdrop Theme 2.5" in success.inner_text()
    customise = success.get_by_role("link", name="Personalizar")
    preview = success.get_by_role("link", name="Vista previa")
    assert customise.get_attribute("href") == f"https://{SHOP}/admin/themes/{numeric_id}/editor"
    assert preview.get_attribute("href") == f"https://{SHOP}/?preview_theme_id={numeric_id}"
    installed_row = page.locator(f'[data-themes-rows] tr[data-theme-id="{install.theme_id}"]')
    installed_row.wait_for()
    assert "Instalado por la app" in installed_row.inner_text()
    assert "Sin publicar" in installed_row.inner_text()
    # Installed: installing again is still possible, but no longer the page's main action.
    again = page.get_by_role("button", name="Instalar de nuevo")
    assert again.is_enabled()
    assert "button--primary" not in again.get_attribute("class")
    toast = page.locator(".toast")
    assert toast.inner_text() == "Tema instalado"
    toast.wait_for(state="detached", timeout=8000)
    page.screenshot(path=screenshots / "theme-installed.png", full_page=True)


def test_a_page_opened_during_an_install_follows_it_and_offers_no_second_click(
    live_server, settings, github_theme, shopify_themes, session_token, browser_page, enqueued
):
    ThemeInstall.objects.create(
        shop=SHOP, theme_name="Ecomdrop Theme 2.5", state=ThemeInstall.State.DOWNLOADING, running_shop=SHOP
    )
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=10))
    page = browser_page

    page.goto(f"{live_server.url}/app/theme?{urlencode({'shop': SHOP, 'locale': 'en', 'id_token': token})}")

    page.locator("[data-install-message]").filter(has_text="Preparing the theme files").wait_for()
    assert page.get_by_role("button", name="Installing…").is_disabled()
    # The server refuses a second install even if a script tried.
    status = page.evaluate("Connector.fetch('/app/theme/install', {method: 'POST'}).then(response => response.status)")
    assert status == 409
    assert ThemeInstall.objects.count() == 1


def test_an_install_that_stops_moving_lets_the_merchant_try_again(
    live_server, settings, github_theme, shopify_themes, session_token, browser_page, enqueued
):
    running = ThemeInstall.objects.create(
        shop=SHOP, theme_name="Ecomdrop Theme 2.5", state=ThemeInstall.State.DOWNLOADING, running_shop=SHOP
    )
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=10))
    page = browser_page

    page.goto(f"{live_server.url}/app/theme?{urlencode({'shop': SHOP, 'host': 'YWRtaW4', 'id_token': token})}")
    page.locator("[data-install-message]").filter(has_text="Preparando los archivos").wait_for()
    assert page.get_by_role("button", name="Instalando…").is_disabled()

    # Its worker vanishes: the install stops moving for longer than any step takes.
    ThemeInstall.objects.filter(pk=running.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))

    failure = page.locator("[data-install-error]")
    failure.wait_for()
    assert "La instalación se detuvo antes de terminar" in failure.inner_text()
    retry = page.get_by_role("button", name="Intentar de nuevo")
    assert retry.is_enabled()
    retry.click()
    page.locator("dialog[data-install-dialog]").get_by_role("button", name="Instalar", exact=True).click()

    page.locator("[data-install-message]").filter(has_text="Esperando para empezar").wait_for()
    running.refresh_from_db()
    assert (running.state, running.error_code) == (ThemeInstall.State.FAILED, ThemeInstall.Error.ABANDONED)
    assert ThemeInstall.objects.filter(running_shop=SHOP).exclude(pk=running.pk).count() == 1


def test_an_installed_theme_says_when_with_a_link_and_installing_again_is_confirmed(
    live_server, settings, github_theme, shopify_themes, session_token, browser_page, enqueued, screenshots
):
    from shops.tests.factories import ShopConfigurationFactory

    ShopConfigurationFactory(shop=SHOP, iana_timezone="America/Bogota", installed_at=timezone.now())
    theme = shopify_themes.add_theme(SHOP, name="Ecomdrop Theme 2.5")
    ThemeInstall.objects.create(
        shop=SHOP,
        theme_name="Ecomdrop Theme 2.5",
        state=ThemeInstall.State.READY,
        theme_id=theme.gid,
        finished_at=datetime.datetime(2025, 12, 6, 21, 12, tzinfo=datetime.UTC),
    )
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=10))
    page = browser_page

    page.goto(f"{live_server.url}/app/theme?{urlencode({'shop': SHOP, 'host': 'YWRtaW4', 'id_token': token})}")

    installed = page.locator("[data-installed]")
    installed.filter(has_text="Instalado el 6 de diciembre de 2025").wait_for()
    editor = installed.get_by_role("link", name="Personalizar")
    assert editor.get_attribute("href") == f"https://{SHOP}/admin/themes/{theme.id}/editor"
    again = page.get_by_role("button", name="Instalar de nuevo")
    assert "button--primary" not in again.get_attribute("class")
    page.screenshot(path=screenshots / "theme-already-installed.png", full_page=True)

    again.click()
    dialog = page.locator("dialog[data-install-dialog]")
    assert "Ya instalaste «Ecomdrop Theme 2.5» el 6 de diciembre de 2025" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancelar").click()
    assert ThemeInstall.objects.count() == 1

    again.click()
    dialog.get_by_role("button", name="Instalar otra copia").click()
    page.locator("[data-install-message]").filter(has_text="Esperando para empezar").wait_for()
    assert ThemeInstall.objects.count() == 2


def test_a_theme_deleted_from_shopify_is_no_longer_shown_as_installed(
    live_server, github_theme, shopify_themes, session_token, browser_page
):
    ThemeInstall.objects.create(
        shop=SHOP,
        theme_name="Ecomdrop Theme 2.5",
        state=ThemeInstall.State.READY,
        theme_id="gid://shopify/OnlineStoreTheme/404",
        finished_at=timezone.now(),
    )
    token = session_token(SHOP, lifetime=datetime.timedelta(minutes=10))
    page = browser_page

    page.goto(f"{live_server.url}/app/theme?{urlencode({'shop': SHOP, 'host': 'YWRtaW4', 'id_token': token})}")

    page.locator("[data-themes-rows] tr").first.wait_for()
    page.get_by_role("button", name="Instalar tema").wait_for()
    assert page.locator("[data-installed]").is_hidden()
