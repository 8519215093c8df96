"""The Tema page in the documented local set-up: `make shopify-simulator` (python -m
simulators.shopify_themes) serves everything the pages need, themes included, and a switch of
simulator is noticed at the next page load rather than after a cache expires."""

import json
from pathlib import Path

import pytest

from connector.models import ShopifySession
from simulators.shopify_themes import local_simulator
from themes.tests.conftest import SHOP

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_shopify(settings):
    simulator = local_simulator(api_key=settings.SHOPIFY_API_KEY, api_secret=settings.SHOPIFY_API_SECRET)
    simulator.start()
    settings.SHOPIFY_ADMIN_ORIGIN = simulator.origin_template()
    settings.HTTP_TIMEOUT_SECONDS = 5
    yield simulator
    simulator.stop()


def open_page(client, session_token):
    return client.get("/app/theme", {"shop": SHOP, "host": "aG9zdA", "id_token": session_token(SHOP)})


def themes(client, session_token):
    return client.get("/app/theme/themes", HTTP_AUTHORIZATION=f"Bearer {session_token(SHOP)}")


def test_the_local_shopify_serves_the_theme_list_and_grants_the_theme_scopes(
    client, session_token, github_theme, local_shopify
):
    page = open_page(client, session_token)
    listed = themes(client, session_token)

    assert page.status_code == 200
    assert "data-install-button" in page.content.decode()  # no "Se necesita un permiso"
    assert listed.status_code == 200
    assert [theme["name"] for theme in listed.json()["themes"]] == ["Dawn"]
    assert "write_themes" in ShopifySession.objects.get(shop=SHOP).scope


def test_switching_simulators_is_noticed_at_the_next_page_load(
    client, settings, session_token, github_theme, shopify_simulator
):
    settings.EMBEDDED_SESSION_CACHE_SECONDS = 30
    open_page(client, session_token)  # the plain simulator: a token without the theme scopes
    assert "data-theme-permission" in open_page(client, session_token).content.decode()

    # Another simulator on the same port: the stored tokens mean nothing there, the scopes differ.
    shopify_simulator.tokens.clear()
    shopify_simulator.refresh_tokens.clear()
    shopify_simulator.scope = "read_themes,write_themes,read_products,write_products,read_orders,write_orders"
    refused = themes(client, session_token)
    reopened = open_page(client, session_token)

    assert refused.status_code == 401
    assert json.loads(refused.content)["error"]
    assert shopify_simulator.count("token_exchange") == 2  # the reopened page exchanged at once
    assert "data-theme-permission" not in reopened.content.decode()


def test_make_shopify_simulator_runs_the_local_shopify(settings):
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    recipe = makefile.split("\nshopify-simulator:", 1)[1].split("\n\n", 1)[0]

    assert "-m simulators.shopify_themes " in recipe
