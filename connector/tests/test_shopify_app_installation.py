"""currentAppInstallation, and asking Shopify whether the app is still installed on a shop."""

import pytest

from connector import sessions
from connector.shopify.app_installation import AppInstallation, app_installation_current
from connector.shopify.errors import ShopifyAuthError, ShopifyUnavailable
from connector.shopify.graphql import load_document
from connector.tests.factories import ShopifySessionFactory
from connector.tests.shopify_operations import SHOP, client_for


def test_the_document_is_named_like_its_operation():
    assert load_document("app_installation_current").operation_name == "AppInstallationCurrent"


def test_the_installation_is_typed(shopify_simulator):
    installation = app_installation_current(client_for(shopify_simulator, scope="read_orders,write_products"))

    assert isinstance(installation, AppInstallation)
    assert installation.id.startswith("gid://shopify/AppInstallation/")
    assert set(installation.scopes) == {"read_orders", "write_products", "read_products"}


def test_a_revoked_token_is_an_auth_error(shopify_simulator):
    client = client_for(shopify_simulator)
    shopify_simulator.uninstall(SHOP)

    with pytest.raises(ShopifyAuthError):
        app_installation_current(client)


@pytest.mark.django_db
def test_a_shop_whose_token_works_has_the_app_installed(shopify_simulator):
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))

    assert sessions.shopify_app_installed(shop=SHOP) is True


@pytest.mark.django_db
def test_a_shop_whose_tokens_were_revoked_or_that_has_none_has_not(shopify_simulator):
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    shopify_simulator.uninstall(SHOP)

    assert sessions.shopify_app_installed(shop=SHOP) is False
    assert sessions.shopify_app_installed(shop="nunca.myshopify.com") is False


@pytest.mark.django_db
def test_a_frozen_shop_still_has_the_app_installed(shopify_simulator):
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    shopify_simulator.fail_next("graphql:AppInstallationCurrent", status=402)

    assert sessions.shopify_app_installed(shop=SHOP) is True


@pytest.mark.django_db
def test_shopify_unavailable_cannot_tell(shopify_simulator):
    ShopifySessionFactory(shop=SHOP, access_token=shopify_simulator.issue_token(SHOP))
    shopify_simulator.fail_next("graphql:AppInstallationCurrent", status=503)

    with pytest.raises(ShopifyUnavailable):
        sessions.shopify_app_installed(shop=SHOP)
