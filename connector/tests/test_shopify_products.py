"""Product reads of the Admin API against the Shopify simulator: search pages, one product."""

from connector.shopify.graphql import load_document
from connector.shopify.products import ShopifyOption, product_get, products_search
from connector.tests.shopify_operations import SHOP, client_for
from simulators.shopify_products import add_location, add_product, delete_product, primary_location


def test_documents_are_named_like_the_functions_that_use_them():
    assert load_document("products_search").operation_name == "ProductsSearch"
    assert load_document("product_get").operation_name == "ProductGet"


def test_search_pages_are_typed_with_cursors(shopify_simulator):
    for number in range(3):
        add_product(shopify_simulator, SHOP, title=f"Camiseta {number}", media=1)
    add_product(
        shopify_simulator, SHOP, title="Gorra", variants=[{"options": {"Talla": "M"}}, {"options": {"Talla": "L"}}]
    )
    client = client_for(shopify_simulator)

    page = products_search(client, query="camiseta*", sort_key="RELEVANCE", reverse=False, first=2)
    rest = products_search(
        client, query="camiseta*", sort_key="RELEVANCE", reverse=False, first=2, after=page.page_info.end_cursor
    )
    everything = products_search(client, query=None, sort_key="UPDATED_AT", reverse=True, last=10)

    assert [product.title for product in page.products] == ["Camiseta 2", "Camiseta 1"]
    assert page.products[0].image_url.startswith("https://cdn.shopify.test/")
    assert page.products[0].variants_count == 1
    assert page.page_info.has_next_page is True
    assert [product.title for product in rest.products] == ["Camiseta 0"]
    assert rest.page_info.has_next_page is False
    assert everything.products[0].title == "Gorra"
    assert everything.products[0].image_url is None
    assert everything.products[0].variants_count == 2
    variables = shopify_simulator.requests_of("graphql:ProductsSearch")[0].json()["variables"]
    assert variables == {"query": "camiseta*", "sortKey": "RELEVANCE", "reverse": False, "first": 2}


def test_a_product_is_read_with_options_variants_and_media(shopify_simulator):
    stored = add_product(
        shopify_simulator,
        SHOP,
        title="Camiseta",
        media=2,
        variants=[
            {"options": {"Color": "Negro"}, "price": "10.00", "sku": "N-1", "barcode": "770"},
            {"options": {"Color": "Blanco"}, "price": "12.00"},
        ],
    )

    product = product_get(client_for(shopify_simulator), product_id=stored["id"])

    assert product.id == stored["id"]
    assert product.title == "Camiseta"
    assert product.options == (
        ShopifyOption(
            id=stored["options"][0]["id"],
            name="Color",
            values=tuple((value["id"], value["name"]) for value in stored["options"][0]["optionValues"]),
        ),
    )
    assert [(variant.title, variant.sku, variant.price, variant.barcode) for variant in product.variants] == [
        ("Negro", "N-1", "10.00", "770"),
        ("Blanco", "", "12.00", ""),
    ]
    assert product.variants[0].options == (("Color", "Negro"),)
    assert product.media_ids == tuple(item["id"] for item in stored["media"])
    assert (product.more_variants, product.more_media) == (False, False)
    assert product.stocked_variant_ids == frozenset()
    request = shopify_simulator.requests_of("graphql:ProductGet")[0].json()
    assert request["variables"] == {"id": stored["id"]}


def test_the_variants_stocked_at_a_location_come_in_the_same_call(shopify_simulator):
    warehouse = add_location(shopify_simulator, SHOP, "Bodega")
    primary = primary_location(shopify_simulator, SHOP)
    stored = add_product(
        shopify_simulator,
        SHOP,
        title="Camiseta",
        variants=[
            {"options": {"Color": "Negro"}, "inventory": {warehouse["id"]: 3}},
            {"options": {"Color": "Blanco"}, "inventory": {primary["id"]: 1}},
        ],
    )

    product = product_get(
        client_for(shopify_simulator), product_id=stored["id"], stocked_at_location_id=warehouse["id"]
    )

    assert product.stocked_variant_ids == frozenset({stored["variants"][0]["id"]})
    assert shopify_simulator.count("graphql:ProductGet") == 1
    variables = shopify_simulator.requests_of("graphql:ProductGet")[0].json()["variables"]
    assert variables["stockedQuery"] == (
        f"product_id:{stored['id'].rsplit('/', 1)[-1]} location_id:{warehouse['id'].rsplit('/', 1)[-1]}"
    )


def test_a_deleted_product_is_none(shopify_simulator):
    stored = add_product(shopify_simulator, SHOP, title="Camiseta")
    delete_product(shopify_simulator, SHOP, stored["id"])

    assert product_get(client_for(shopify_simulator), product_id=stored["id"]) is None
