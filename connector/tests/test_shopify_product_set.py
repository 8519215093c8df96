"""productSet against the Shopify simulator: typed input to the exact variables, the saved
product's ids, and what its user errors mean."""

from decimal import Decimal

import pytest

from connector.shopify.errors import ShopifyForbidden, ShopifyNoResult, ShopifyUserErrors, UserError
from connector.shopify.graphql import load_document
from connector.shopify.product_set import (
    ExistingMedia,
    FieldPart,
    NewImage,
    OptionInput,
    OptionValueInput,
    ProductSetInput,
    StockInput,
    VariantInput,
    product_set,
    product_set_error_path,
    product_set_refused_missing_product,
    product_set_refused_only_stock,
    product_set_variables,
)
from connector.tests.shopify_operations import SHOP, client_for
from simulators.shopify_products import add_product, delete_product, find_product, primary_location

COLOURS = OptionInput(name="Color", position=1, values=(OptionValueInput("Negro"), OptionValueInput("Blanco")))


def new_product(location_id=None):
    stock = StockInput(location_id=location_id, available=5) if location_id else None
    return ProductSetInput(
        title="Camiseta",
        status="DRAFT",
        description_html="<p>Algodón</p>",
        files=(NewImage(source="https://cdn.test/1.jpg", alt="Camiseta"),),
        options=(COLOURS,),
        variants=(
            VariantInput(option_values=(("Color", "Negro"),), price=Decimal("10.50"), sku="N", stock=stock),
            VariantInput(option_values=(("Color", "Blanco"),), price=Decimal("11"), barcode="770", stock=stock),
        ),
    )


def test_document_is_named_like_the_function_that_uses_it():
    assert load_document("product_set").operation_name == "ProductSet"


def test_a_new_product_is_sent_as_shopify_expects_and_its_variant_ids_come_back(shopify_simulator):
    location = primary_location(shopify_simulator, SHOP)["id"]

    saved = product_set(client_for(shopify_simulator), product=new_product(location))

    sent = shopify_simulator.requests_of("graphql:ProductSet")[0].json()["variables"]
    stock = {
        "inventoryItem": {"tracked": True},
        "inventoryQuantities": [{"locationId": location, "name": "available", "quantity": 5}],
    }
    assert sent == {
        "input": {
            "title": "Camiseta",
            "status": "DRAFT",
            "descriptionHtml": "<p>Algodón</p>",
            "files": [{"originalSource": "https://cdn.test/1.jpg", "contentType": "IMAGE", "alt": "Camiseta"}],
            "productOptions": [{"name": "Color", "position": 1, "values": [{"name": "Negro"}, {"name": "Blanco"}]}],
            "variants": [
                {"optionValues": [{"optionName": "Color", "name": "Negro"}], "price": "10.50", "sku": "N", **stock},
                {
                    "optionValues": [{"optionName": "Color", "name": "Blanco"}],
                    "price": "11",
                    "barcodes": [{"value": "770"}],
                    **stock,
                },
            ],
        }
    }
    stored = find_product(shopify_simulator, SHOP, saved.id)
    assert saved.title == "Camiseta"
    assert [(variant.id, variant.options) for variant in saved.variants] == [
        (stored["variants"][0]["id"], (("Color", "Negro"),)),
        (stored["variants"][1]["id"], (("Color", "Blanco"),)),
    ]
    assert stored["variants"][0]["inventory"] == {location: 5}


def test_an_update_names_the_product_and_keeps_existing_ids():
    variables = product_set_variables(
        ProductSetInput(
            files=(ExistingMedia("gid://shopify/MediaImage/1"), NewImage(source="https://cdn.test/2.jpg")),
            options=(OptionInput(name="Color", id="gid://o/1", values=(OptionValueInput("Negro", id="gid://v/1"),)),),
            variants=(VariantInput(id="gid://shopify/ProductVariant/9", option_values=(("Color", "Negro"),)),),
        ),
        product_id="gid://shopify/Product/7",
    )

    assert variables == {
        "identifier": {"id": "gid://shopify/Product/7"},
        "input": {
            "files": [
                {"id": "gid://shopify/MediaImage/1"},
                {"originalSource": "https://cdn.test/2.jpg", "contentType": "IMAGE", "alt": ""},
            ],
            "productOptions": [{"id": "gid://o/1", "name": "Color", "values": [{"id": "gid://v/1", "name": "Negro"}]}],
            "variants": [
                {"id": "gid://shopify/ProductVariant/9", "optionValues": [{"optionName": "Color", "name": "Negro"}]}
            ],
        },
    }


def test_quantities_are_kept_within_what_shopify_accepts():
    def sent(available):
        variant = VariantInput(option_values=(("Title", "Default Title"),), stock=StockInput("gid://l/1", available))
        variables = product_set_variables(ProductSetInput(variants=(variant,), options=()))
        return variables["input"]["variants"][0]["inventoryQuantities"][0]["quantity"]

    assert (sent(-3), sent(7), sent(10**12)) == (0, 7, 1_000_000_000)


def test_an_empty_input_and_one_with_stock_are_told_apart():
    assert ProductSetInput().is_empty
    assert not ProductSetInput(title="x").is_empty
    assert ProductSetInput(variants=new_product("gid://l/1").variants).has_stock
    assert not new_product().has_stock


def test_a_deleted_product_is_a_user_error_meaning_missing(shopify_simulator):
    stored = add_product(shopify_simulator, SHOP, title="Camiseta")
    delete_product(shopify_simulator, SHOP, stored["id"])

    with pytest.raises(ShopifyUserErrors) as refused:
        product_set(client_for(shopify_simulator), product=ProductSetInput(title="Nuevo"), product_id=stored["id"])

    assert product_set_refused_missing_product(refused.value)
    assert not product_set_refused_only_stock(refused.value)


def test_stock_without_write_inventory_is_forbidden(shopify_simulator):
    location = primary_location(shopify_simulator, SHOP)["id"]
    client = client_for(shopify_simulator, scope="read_products,write_products")

    with pytest.raises(ShopifyForbidden):
        product_set(client, product=new_product(location))


def test_a_refusal_of_the_stock_alone_is_recognised():
    only_stock = ShopifyUserErrors(
        [UserError(field=("input", "variants", "0", "inventoryQuantities", "0", "locationId"), message="gone")]
    )
    mixed = ShopifyUserErrors([*only_stock.user_errors, UserError(field=("input", "title"), message="too long")])

    assert product_set_refused_only_stock(only_stock)
    assert not product_set_refused_only_stock(mixed)


def test_an_answer_without_a_product_is_no_result(shopify_simulator):
    shopify_simulator.graphql_handlers["ProductSet"] = lambda simulator, shop, variables: {
        "productSet": {"product": None, "userErrors": []}
    }

    with pytest.raises(ShopifyNoResult):
        product_set(client_for(shopify_simulator), product=new_product())


def test_error_paths_name_the_input_in_neutral_words():
    def path(*field):
        return product_set_error_path(UserError(field=field, message="x"))

    assert path("input", "variants", "2", "price") == (FieldPart("variants", 2), FieldPart("price"))
    assert path("input", "descriptionHtml") == (FieldPart("description"),)
    assert path("identifier", "id") == (FieldPart("product"), FieldPart("id"))
    assert path("input", "variants", "0", "inventoryQuantities", "0", "locationId") == (
        FieldPart("variants", 0),
        FieldPart("stock", 0),
        FieldPart("location"),
    )
    assert path("input") == ()
