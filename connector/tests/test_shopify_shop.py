"""The shop query against the Shopify simulator."""

from connector.shopify.graphql import load_document
from connector.shopify.shop import ShopInfo, shop_info
from connector.tests.shopify_operations import SHOP, client_for


def test_document_is_named_like_the_function_that_uses_it():
    assert load_document("shop_info").operation_name == "ShopInfo"


def test_shop_info_is_typed(shopify_simulator):
    shopify_simulator.shop_data[SHOP] = {"name": "Tienda", "currencyCode": "MXN", "ianaTimezone": "America/Mexico_City"}

    assert shop_info(client_for(shopify_simulator)) == ShopInfo(
        name="Tienda", myshopify_domain=SHOP, currency_code="MXN", iana_timezone="America/Mexico_City"
    )
