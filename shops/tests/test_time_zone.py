"""The shop's time zone: read from Shopify at install (token exchange) and when it is missing,
stored on its configuration, and given to every page (dates are shown in it)."""

import json

import pytest
from django.utils import timezone

from connector.tests.factories import ShopifySessionFactory
from shops.models import ShopConfiguration
from shops.services import shop_time_zone_get
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda.myshopify.com"


def open_page(client, session_token, path="/app/orders"):
    return client.get(path, {"shop": SHOP, "host": "aG9zdA", "embedded": "1", "id_token": session_token(SHOP)})


def app_context(response):
    html = response.content.decode()
    start = html.index('<script id="app-context" type="application/json">') + len(
        '<script id="app-context" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_first_load_stores_the_time_zone_shopify_gives(client, shopify_simulator, session_token):
    shopify_simulator.shop_data[SHOP] = {"ianaTimezone": "America/Mexico_City"}

    response = open_page(client, session_token)

    assert response.status_code == 200
    assert ShopConfiguration.objects.get(shop=SHOP).iana_timezone == "America/Mexico_City"
    assert app_context(response)["timeZone"] == "America/Mexico_City"


def test_a_new_token_exchange_reads_the_time_zone_again(client, shopify_simulator, session_token):
    ShopConfigurationFactory(shop=SHOP, iana_timezone="America/Bogota", installed_at=timezone.now())
    shopify_simulator.shop_data[SHOP] = {"ianaTimezone": "America/Lima"}

    open_page(client, session_token)  # no stored session: token exchange

    assert ShopConfiguration.objects.get(shop=SHOP).iana_timezone == "America/Lima"


@pytest.mark.parametrize("path", ["/app/", "/app/orders", "/app/configuration", "/app/theme"])
def test_every_page_reads_a_missing_time_zone_once_and_keeps_it(client, shopify_simulator, session_token, path):
    ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now())
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    shopify_simulator.shop_data[SHOP] = {"ianaTimezone": "America/Santiago"}

    first = open_page(client, session_token, path)
    open_page(client, session_token, path)

    assert app_context(first)["timeZone"] == "America/Santiago"
    assert ShopConfiguration.objects.get(shop=SHOP).iana_timezone == "America/Santiago"
    assert shopify_simulator.count("graphql:ShopInfo") == 1


def test_while_shopify_cannot_say_the_pages_use_utc_and_do_not_ask_on_every_load(
    client, shopify_simulator, session_token
):
    ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now())
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    shopify_simulator.fail_next("graphql:ShopInfo", status=503, times=5)

    first = open_page(client, session_token)
    open_page(client, session_token)

    assert first.status_code == 200
    assert app_context(first)["timeZone"] == "UTC"
    assert ShopConfiguration.objects.get(shop=SHOP).iana_timezone == ""
    assert shopify_simulator.count("graphql:ShopInfo") == 1


def test_a_zone_python_does_not_know_is_not_stored(shopify_simulator):
    ShopConfigurationFactory(shop=SHOP, installed_at=timezone.now())
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    shopify_simulator.shop_data[SHOP] = {"ianaTimezone": "Mars/Olympus_Mons"}

    assert shop_time_zone_get(shop=SHOP) == ""
    assert ShopConfiguration.objects.get(shop=SHOP).iana_timezone == ""
