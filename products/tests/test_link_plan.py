"""The plan of a link and the input built from it: pure, no Shopify, no database."""

from decimal import Decimal

import pytest
from django.utils import translation

from connector.errors import ApplicationError
from connector.shopify.product_set import ExistingMedia, NewImage, StockInput
from products.pricing import PriceRule
from products.services.import_input import link_input
from products.services.import_plan import ImportOptions, MappedVariant
from products.services.link_plan import VariantChange, link_needs_stock_location, link_plan
from products.services.stock_location import StockLocation
from products.tests.plans import dropi, shopify, variation

KEEP = PriceRule(mode="keep")
SUGGESTED = PriceRule(mode="suggested")
LOCATION = StockLocation(id="gid://shopify/Location/1", name="Bodega")
NOTHING = ImportOptions(save_name=False, save_description=False, save_images=False)
VARIANT = "gid://shopify/ProductVariant/{}".format


def variable_product():
    return dropi(
        variations=[
            variation(11, attributes=(("Color", "Negro"),), suggested="30000", stock=5, barcode="770-11"),
            variation(12, attributes=(("Color", "Blanco"),), suggested="31000", stock=6),
        ]
    )


def mapping(variation_id, variant_index):
    return {"dropi_variation_id": str(variation_id), "shopify_variant_id": VARIANT(variant_index)}


def plan_for(product, shopify_product, *, mappings=None, options=NOTHING, rule=KEEP, location=None):
    return link_plan(
        product, shopify=shopify_product, requested_mappings=mappings, options=options, rule=rule, location=location
    )


def test_nothing_to_change_is_an_empty_input():
    plan = plan_for(variable_product(), shopify("Negro", "Blanco"))

    assert link_input(plan, with_stock=True).is_empty
    assert plan.mappings == ()


def test_the_location_is_needed_only_when_stock_may_be_written():
    assert link_needs_stock_location(variable_product(), [mapping(11, 0)])
    assert not link_needs_stock_location(variable_product(), [])
    assert link_needs_stock_location(dropi(), None)


def test_mapped_variants_get_their_price_barcode_and_stock_and_every_variant_is_sent_back():
    product, target = variable_product(), shopify("Negro", "Blanco", "Gris", stocked=[0])
    options = ImportOptions(save_name=True, save_description=False, save_images=False, use_suggested_barcode=True)

    plan = plan_for(product, target, mappings=[mapping(11, 0)], options=options, rule=SUGGESTED, location=LOCATION)
    sent = link_input(plan, with_stock=True)

    assert plan.mappings == (MappedVariant("11", "Negro", VARIANT(0), "Negro"),)
    assert plan.changes == {VARIANT(0): VariantChange(price=Decimal("30000"), barcode="770-11")}
    assert plan.stock == {VARIANT(0): 5}
    assert sent.title == "Camiseta"
    assert [variant.id for variant in sent.variants] == [VARIANT(0), VARIANT(1), VARIANT(2)]
    assert (sent.variants[0].price, sent.variants[0].barcode, sent.variants[0].stock) == (
        Decimal("30000"),
        "770-11",
        StockInput(LOCATION.id, 5),
    )
    assert (sent.variants[1].price, sent.variants[1].stock) == (None, None)
    assert [option.id for option in sent.options] == ["gid://shopify/ProductOption/1"]
    assert link_input(plan, with_stock=False).variants[0].stock is None


def test_only_the_stock_changing_leaves_no_input_without_it():
    plan = plan_for(variable_product(), shopify("Negro", "Blanco"), mappings=[mapping(11, 0)], location=LOCATION)

    assert link_input(plan, with_stock=True).has_stock
    assert link_input(plan, with_stock=False).is_empty


def test_images_are_appended_after_the_existing_media_or_replace_them():
    append = plan_for(dropi(images=1), shopify(media=2), options=ImportOptions(save_name=False))
    replace = plan_for(dropi(images=1), shopify(media=2), options=ImportOptions(save_name=False, replace_images=True))

    assert link_input(append, with_stock=True).files == (
        ExistingMedia("gid://shopify/MediaImage/0"),
        ExistingMedia("gid://shopify/MediaImage/1"),
        NewImage(source="https://cdn.test/0.jpg", alt="Camiseta"),
    )
    assert link_input(replace, with_stock=True).files == (NewImage(source="https://cdn.test/0.jpg", alt="Camiseta"),)


def test_what_is_left_out_is_said_in_order():
    product = dropi(images=0, variations=variable_product().variations)
    options = ImportOptions(save_name=False, save_description=False)

    with translation.override("en"):
        plan = plan_for(product, shopify("Negro", "Blanco"), options=options, rule=SUGGESTED)

    assert plan.warnings == (
        "This Dropi product has no images; the Shopify images were kept.",
        "No variant was mapped, so no price or barcode was changed.",
    )


def test_a_simple_dropi_product_prices_every_variant_but_stocks_only_a_single_one():
    with translation.override("en"):
        several = plan_for(dropi(), shopify("Negro", "Blanco"), rule=SUGGESTED, location=LOCATION)
    single = plan_for(dropi(), shopify("Negro"), location=LOCATION)

    assert set(several.changes) == {VARIANT(0), VARIANT(1)}
    assert several.stock == {}
    assert "has 2 variants" in several.warnings[0]
    assert single.stock == {VARIANT(0): 9}


def test_variants_not_stocked_at_the_location_are_named():
    with translation.override("en"):
        plan = plan_for(
            variable_product(),
            shopify("Negro", "Blanco", stocked=[]),
            mappings=[mapping(11, 0), mapping(12, 1)],
            location=LOCATION,
        )

    assert plan.stock == {}
    assert plan.warnings == (
        "The variants Negro, Blanco are not stocked at “Bodega” in Shopify, so their stock was not changed.",
    )


@pytest.mark.parametrize(
    ("mappings", "code", "field"),
    [
        ("not a list", "invalid", "variant_mappings"),
        ([mapping(99, 0)], "unknown_variation", "variant_mappings.0"),
        ([{"dropi_variation_id": "11", "shopify_variant_id": VARIANT(7)}], "unknown_variant", "variant_mappings.0"),
        ([mapping(11, 0), mapping(11, 1)], "duplicate_mapping", "variant_mappings.1"),
        ([mapping(11, 0), mapping(12, 0)], "duplicate_mapping", "variant_mappings.1"),
    ],
)
def test_foreign_or_repeated_mappings_are_refused(mappings, code, field):
    with pytest.raises(ApplicationError) as refused:
        plan_for(variable_product(), shopify("Negro", "Blanco"), mappings=mappings)

    assert (refused.value.code, refused.value.field) == (code, field)


def test_more_media_or_variants_than_one_read_returns_are_refused_before_anything_changes():
    with pytest.raises(ApplicationError) as media:
        plan_for(dropi(), shopify(more_media=True), options=ImportOptions(save_name=False))
    with pytest.raises(ApplicationError) as variants:
        plan_for(dropi(), shopify(more_variants=True), rule=SUGGESTED)

    assert media.value.code == "too_many_media"
    assert variants.value.code == "too_many_variants"
