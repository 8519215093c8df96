"""Fixtures of the products tests: a shop with Dropi configured, a Dropi account and a
Shopify session, and a helper that calls the embedded JSON endpoints with a session token."""

import json

import pytest
from django.utils import timezone

from shops.tests.factories import ShopConfigurationFactory

SHOP = "tienda.myshopify.com"
OTHER_SHOP = "otra-tienda.myshopify.com"
DROPI_TOKEN = "dropi-token-ABCDEFGHIJ-0123456789"


@pytest.fixture
def shop(db, shopify_simulator, dropi_simulator):
    from connector.tests.factories import ShopifySessionFactory

    dropi_simulator.add_account(DROPI_TOKEN, country="CO")
    configuration = ShopConfigurationFactory(
        shop=SHOP,
        dropi_store_name="Mi tienda",
        dropi_country="CO",
        dropi_token=DROPI_TOKEN,
        iana_timezone="America/Bogota",
        installed_at=timezone.now(),
    )
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP), scope=None)
    return configuration


@pytest.fixture
def other_shop(db, shopify_simulator):
    from connector.tests.factories import ShopifySessionFactory

    ShopConfigurationFactory(shop=OTHER_SHOP, installed_at=timezone.now())
    ShopifySessionFactory(shop=OTHER_SHOP, access_token=shopify_simulator.issue_token(OTHER_SHOP), scope=None)
    return OTHER_SHOP


@pytest.fixture
def api(client, session_token):
    def call(path, method="GET", body=None, shop=SHOP, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {session_token(shop)}"}
        if method == "GET":
            return client.get(path, params, **headers)
        return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)

    return call


@pytest.fixture
def location_known(shop, shopify_simulator):
    """The shop's stock location already looked up and cached, as after its first import; the
    simulator's request log starts empty again."""
    from connector.sessions import shopify_admin_client
    from products.services.stock_location import stock_location_get

    location = stock_location_get(shop=SHOP, client=shopify_admin_client(shop=SHOP))
    shopify_simulator.requests.clear()
    return location


def grant_scopes(shopify_simulator, scope, shop=SHOP):
    """Give the shop's issued tokens these scopes (as if the merchant had accepted only them)."""
    for issued in shopify_simulator.tokens.values():
        if issued.shop == shop:
            issued.scope = scope


def graphql_operations(shopify_simulator):
    """The GraphQL operations the simulator received, in order (token exchange excluded)."""
    return [
        request.kind.split(":", 1)[1] for request in shopify_simulator.requests if request.kind.startswith("graphql:")
    ]
