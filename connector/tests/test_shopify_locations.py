"""The shop's locations against the Shopify simulator."""

import pytest

from connector.shopify.errors import ShopifyForbidden
from connector.shopify.graphql import load_document
from connector.shopify.locations import Location, location_primary
from connector.tests.shopify_operations import SHOP, client_for
from simulators.shopify_products import add_location, locations, primary_location


def test_document_is_named_like_the_function_that_uses_it():
    assert load_document("location_primary").operation_name == "LocationPrimary"


def test_the_primary_and_the_active_locations_are_typed(shopify_simulator):
    warehouse = add_location(shopify_simulator, SHOP, "Bodega", online=False)
    closed = add_location(shopify_simulator, SHOP, "Cerrada")
    closed["isActive"] = False
    primary = primary_location(shopify_simulator, SHOP)

    found = location_primary(client_for(shopify_simulator))

    assert found.primary == Location(
        id=primary["id"], name="Shop location", is_active=True, fulfills_online_orders=True
    )
    assert [location.id for location in found.active] == [primary["id"], warehouse["id"]]
    assert found.active[1].fulfills_online_orders is False


def test_an_inactive_primary_is_still_reported_as_primary(shopify_simulator):
    locations(shopify_simulator, SHOP)[0]["isActive"] = False

    found = location_primary(client_for(shopify_simulator))

    assert found.primary.is_active is False
    assert found.active == ()


def test_without_read_locations_it_is_forbidden(shopify_simulator):
    with pytest.raises(ShopifyForbidden):
        location_primary(client_for(shopify_simulator, scope="read_products,write_products"))
