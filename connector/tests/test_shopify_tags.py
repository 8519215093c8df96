"""tagsAdd against the Shopify simulator."""

import pytest

from connector.shopify.errors import ShopifyUserErrors
from connector.shopify.failures import ShopifyFailure, shopify_failure
from connector.shopify.graphql import load_document
from connector.shopify.tags import tags_add
from connector.tests.shopify_operations import SHOP, client_for
from simulators.shopify_orders import add_order


def test_document_is_named_like_the_function_that_uses_it():
    assert load_document("tags_add").operation_name == "TagsAdd"


def test_tags_are_added_and_existing_ones_kept_even_twice(shopify_simulator):
    order = add_order(shopify_simulator, SHOP, tags=["vip"])
    client = client_for(shopify_simulator)

    tags_add(client, resource_id=order["id"], tags=["confirmado", "vip"])
    tags_add(client, resource_id=order["id"], tags=("confirmado",))

    assert order["tags"] == ["vip", "confirmado"]
    request = shopify_simulator.requests_of("graphql:TagsAdd")[0].json()
    assert request["variables"] == {"id": order["id"], "tags": ["confirmado", "vip"]}


def test_an_order_that_does_not_exist_is_a_user_error_meaning_missing(shopify_simulator):
    with pytest.raises(ShopifyUserErrors) as refused:
        tags_add(client_for(shopify_simulator), resource_id="gid://shopify/Order/1", tags=["x"])

    assert refused.value.user_errors[0].field == ("id",)
    assert shopify_failure(refused.value) is ShopifyFailure.MISSING
