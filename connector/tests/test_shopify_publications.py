"""publications and publishablePublish: typed values, the exact variables, Shopify's refusals
(unknown product or publication as userErrors, a token without the scope as ACCESS_DENIED)."""

import pytest

from connector.shopify.errors import ShopifyForbidden, ShopifyUserErrors
from connector.shopify.graphql import load_document
from connector.shopify.publications import Publication, publications_list, publishable_publish
from connector.tests.shopify_operations import SHOP, client_for
from simulators.shopify_products import add_product, find_product
from simulators.shopify_publications import add_publication, publication_named

WITH_PUBLICATIONS = "read_products,write_products,write_publications"


def test_the_documents_are_named_like_their_operations():
    assert load_document("publications_list").operation_name == "PublicationsList"
    assert load_document("publishable_publish").operation_name == "PublishablePublish"


def test_the_publications_are_typed_with_their_catalog_titles(shopify_simulator):
    shop_channel = add_publication(shopify_simulator, SHOP, "Shop")

    found = publications_list(client_for(shopify_simulator, scope=WITH_PUBLICATIONS))

    assert found[0] == Publication(
        id=publication_named(shopify_simulator, SHOP, "Online Store")["id"], name="Online Store"
    )
    assert [publication.name for publication in found] == ["Online Store", "Point of Sale", "Shop"]
    assert found[2].id == shop_channel["id"]
    assert shopify_simulator.requests_of("graphql:PublicationsList")[0].json()["variables"] == {"first": 50}


def test_publishing_puts_the_product_on_each_publication_once(shopify_simulator):
    client = client_for(shopify_simulator, scope=WITH_PUBLICATIONS)
    product = add_product(shopify_simulator, SHOP, title="Reloj")
    online_store = publication_named(shopify_simulator, SHOP, "Online Store")

    publishable_publish(client, resource_id=product["id"], publication_ids=[online_store["id"]])
    publishable_publish(client, resource_id=product["id"], publication_ids=[online_store["id"]])

    assert find_product(shopify_simulator, SHOP, product["id"])["publications"] == [online_store["id"]]
    sent = shopify_simulator.requests_of("graphql:PublishablePublish")[0].json()["variables"]
    assert sent == {"id": product["id"], "input": [{"publicationId": online_store["id"]}]}


def test_an_unknown_publication_or_product_is_a_user_error(shopify_simulator):
    client = client_for(shopify_simulator, scope=WITH_PUBLICATIONS)
    product = add_product(shopify_simulator, SHOP, title="Reloj")

    with pytest.raises(ShopifyUserErrors) as unknown_publication:
        publishable_publish(client, resource_id=product["id"], publication_ids=["gid://shopify/Publication/1"])
    with pytest.raises(ShopifyUserErrors) as unknown_product:
        publishable_publish(client, resource_id="gid://shopify/Product/1", publication_ids=[])

    assert unknown_publication.value.user_errors[0].field == ("input", "0", "publicationId")
    assert unknown_product.value.user_errors[0].field == ("id",)


def test_without_the_scope_shopify_denies_access(shopify_simulator):
    client = client_for(shopify_simulator, scope="read_products,write_products")
    product = add_product(shopify_simulator, SHOP, title="Reloj")

    with pytest.raises(ShopifyForbidden):
        publications_list(client)
    with pytest.raises(ShopifyForbidden):
        publishable_publish(client, resource_id=product["id"], publication_ids=["gid://shopify/Publication/1"])
