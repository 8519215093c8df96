"""The plan of a new product and the input built from it: pure, no Shopify, no database."""

from decimal import Decimal

import pytest
from django.utils import translation

from connector.errors import ApplicationError
from connector.shopify.product_set import NewImage, OptionValueInput, SavedProduct, SavedVariant, StockInput
from products.pricing import PriceRule
from products.services.import_input import create_input
from products.services.import_plan import ImportOptions, MappedVariant, create_plan, created_variant_mappings
from products.services.stock_location import StockLocation
from products.tests.plans import dropi, variation

SUGGESTED = PriceRule(mode="suggested")
LOCATION = StockLocation(id="gid://shopify/Location/1", name="Bodega")


def colours(*names):
    return [variation(number, attributes=(("Color", name),), stock=number) for number, name in enumerate(names, 1)]


def test_a_product_without_variations_is_one_default_variant_with_its_stock():
    plan = create_plan(dropi(description="<p>Hola</p><script>x</script>"), options=ImportOptions(), rule=SUGGESTED)

    assert plan.title == "Camiseta"
    assert plan.description_html == "<p>Hola</p>"
    assert plan.option_names == ("Title",)
    assert [(variant.option_values, variant.price, variant.stock) for variant in plan.variants] == [
        (("Default Title",), Decimal("39900"), 9)
    ]
    assert plan.images.urls == ("https://cdn.test/0.jpg", "https://cdn.test/1.jpg")
    assert plan.warnings == ()


def test_variations_become_one_option_per_attribute():
    product = dropi(
        variations=[
            variation(1, attributes=(("Color", "Rojo"), ("Talla", "S"))),
            variation(2, attributes=(("Color", "Azul"), ("Talla", "S"))),
        ]
    )

    plan = create_plan(product, options=ImportOptions(), rule=SUGGESTED)

    assert plan.option_names == ("Color", "Talla")
    assert [variant.option_values for variant in plan.variants] == [("Rojo", "S"), ("Azul", "S")]
    assert [variant.dropi_variation_id for variant in plan.variants] == ["1", "2"]


def test_the_images_the_options_leave_out_and_those_over_the_limit_are_said():
    with translation.override("en"):
        no_images = create_plan(dropi(images=0), options=ImportOptions(), rule=SUGGESTED)
        many = create_plan(dropi(images=12), options=ImportOptions(), rule=SUGGESTED)
        left_out = create_plan(dropi(), options=ImportOptions(save_images=False), rule=SUGGESTED)

    assert no_images.warnings == ("This Dropi product has no images.",)
    assert len(many.images.urls) == 10
    assert many.warnings == ("Only the first 10 images were imported.",)
    assert (left_out.images, left_out.warnings) == (None, ())


def test_a_product_without_a_name_or_a_price_cannot_be_planned():
    with pytest.raises(ApplicationError) as nameless:
        create_plan(dropi(name="  "), options=ImportOptions(), rule=SUGGESTED)
    with pytest.raises(ApplicationError) as priceless:
        create_plan(dropi(sale=None, suggested=None), options=ImportOptions(), rule=SUGGESTED)

    assert nameless.value.code == "dropi_no_name"
    assert priceless.value.code == "no_dropi_price"


def test_the_input_of_a_new_product_carries_options_variants_and_stock():
    product = dropi(variations=colours("Rojo", "Azul"), images=1)
    plan = create_plan(product, options=ImportOptions(use_suggested_barcode=True, status="ACTIVE"), rule=SUGGESTED)

    with_stock = create_input(plan, location=LOCATION)
    without = create_input(plan, location=None)

    assert (with_stock.title, with_stock.status, with_stock.description_html) == ("Camiseta", "ACTIVE", None)
    assert with_stock.files == (NewImage(source="https://cdn.test/0.jpg", alt="Camiseta"),)
    (option,) = with_stock.options
    assert (option.name, option.position, option.values) == (
        "Color",
        1,
        (OptionValueInput("Rojo"), OptionValueInput("Azul")),
    )
    assert [
        (variant.option_values, variant.sku, variant.barcode, variant.stock) for variant in with_stock.variants
    ] == [
        ((("Color", "Rojo"),), "SKU-1", "SKU-1", StockInput(LOCATION.id, 1)),
        ((("Color", "Azul"),), "SKU-2", "SKU-2", StockInput(LOCATION.id, 2)),
    ]
    assert with_stock.has_stock
    assert not without.has_stock
    # The variation has no suggested price of its own: the product's applies.
    assert without.variants[0].price == with_stock.variants[0].price == Decimal("39900")


def test_the_created_variants_are_matched_to_their_variations_by_option_values():
    plan = create_plan(dropi(variations=colours("Rojo", "Azul")), options=ImportOptions(), rule=SUGGESTED)
    saved = SavedProduct(
        id="gid://shopify/Product/9",
        title="Camiseta",
        handle="camiseta",
        status="DRAFT",
        variants=(
            SavedVariant(id="gid://shopify/ProductVariant/2", title="Azul", options=(("Color", "Azul"),)),
            SavedVariant(id="gid://shopify/ProductVariant/1", title="Rojo", options=(("Color", "Rojo"),)),
        ),
    )

    assert created_variant_mappings(plan, saved) == [
        MappedVariant("2", "Azul", "gid://shopify/ProductVariant/2", "Azul"),
        MappedVariant("1", "Rojo", "gid://shopify/ProductVariant/1", "Rojo"),
    ]


def test_a_product_without_variations_has_no_mappings():
    plan = create_plan(dropi(), options=ImportOptions(), rule=SUGGESTED)
    saved = SavedProduct(
        id="gid://shopify/Product/9",
        title="Camiseta",
        handle="",
        status="DRAFT",
        variants=(SavedVariant(id="gid://v/1", title="Default Title", options=(("Title", "Default Title"),)),),
    )

    assert created_variant_mappings(plan, saved) == []
