"""The Tema page as rendered by the server (its script is exercised by the browser test)."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from connector.tests.factories import ShopifySessionFactory
from themes.models import ThemeInstall
from themes.tests.conftest import GIT_TOKEN, REPO, SHOP
from themes.tests.factories import ThemeInstallFactory

pytestmark = pytest.mark.django_db


def load(client, session_token, **params):
    return client.get("/app/theme", {"shop": SHOP, "host": "aG9zdA", "id_token": session_token(SHOP), **params})


def page_data(html):
    match = re.search(r'<script id="theme-page" type="application/json">(.*?)</script>', html, re.DOTALL)
    return json.loads(match.group(1))


def test_the_page_describes_the_theme_and_offers_the_install(client, session_token, github_theme, shopify_themes):
    ShopifySessionFactory(shop=SHOP, scope="read_themes,write_themes")

    response = load(client, session_token)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="page__title">Tema</h1>' in html
    assert "Ecomdrop Theme 2.5" in html
    assert "Instalar tema" in html
    assert "data-install-button" in html
    assert "data-install-dialog" in html
    assert "Tus temas" in html
    data = page_data(html)
    assert data["install"] is None
    assert data["urls"] == {
        "install": "/app/theme/install",
        "status": "/app/theme/status",
        "themes": "/app/theme/themes",
    }
    # Rendering never calls Shopify (the theme list is fetched by the page afterwards).
    assert [request.kind for request in shopify_themes.simulator.requests] == []


def test_the_page_never_shows_the_source_or_its_token(client, session_token, github_theme):
    ShopifySessionFactory(shop=SHOP, scope="read_themes,write_themes")

    html = load(client, session_token).content.decode()

    assert GIT_TOKEN not in html
    assert REPO not in html
    assert github_theme.base_url not in html


def test_without_a_configured_source_the_page_says_so_and_shows_no_button(client, session_token, settings):
    settings.THEME_ARCHIVE_URL = ""
    settings.THEME_GIT_REPO = ""
    ShopifySessionFactory(shop=SHOP, scope="read_themes,write_themes")

    html = load(client, session_token).content.decode()

    assert "data-theme-unavailable" in html
    assert "El tema aún no está disponible" in html
    assert "data-install-button" not in html
    assert "data-install-dialog" not in html
    # The shop's themes are still listed.
    assert "data-themes-card" in html


def test_without_write_themes_the_page_asks_to_accept_the_permission(client, session_token, github_theme):
    ShopifySessionFactory(shop=SHOP, scope="read_products,read_themes")

    html = load(client, session_token).content.decode()

    assert "data-theme-permission" in html
    assert "write_themes" in html
    assert "data-install-button" not in html


def test_a_running_install_is_handed_to_the_script_to_follow(client, session_token, github_theme):
    ShopifySessionFactory(shop=SHOP, scope="read_themes,write_themes")
    ThemeInstallFactory(shop=SHOP, state=ThemeInstall.State.PROCESSING, running_shop=SHOP)

    data = page_data(load(client, session_token).content.decode())

    assert data["install"]["active"] is True
    assert data["install"]["state"] == "processing"
    assert data["install"]["message"].startswith("Shopify está procesando")


def test_a_stalled_install_is_handed_to_the_script_as_failed(client, session_token, github_theme):
    ShopifySessionFactory(shop=SHOP, scope="read_themes,write_themes")
    stalled = ThemeInstallFactory(shop=SHOP, state=ThemeInstall.State.QUEUED, running_shop=SHOP)
    ThemeInstall.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=2))

    data = page_data(load(client, session_token).content.decode())

    assert data["install"]["active"] is False
    assert data["install"]["state"] == "failed"
    assert data["install"]["error_code"] == "abandoned"


def test_the_page_speaks_english_when_shopify_asks(client, session_token, github_theme):
    ShopifySessionFactory(shop=SHOP, scope="read_themes,write_themes")

    html = load(client, session_token, locale="en").content.decode()

    assert '<h1 class="page__title">Theme</h1>' in html
    assert "Install theme" in html
    assert "Your themes" in html
    assert page_data(html)["text"]["customise"] == "Customise"
