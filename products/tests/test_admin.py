"""The console's product tables: associations and variant mappings per shop, linked to the
product and variant in Shopify Admin, with the sync options and price rule of the last import."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connector.admin_tools import LargeTablePaginator
from products import admin as products_admin
from products.tests.factories import ProductAssociationFactory, VariantMappingFactory
from shops.tests.factories import ShopConfigurationFactory

pytestmark = pytest.mark.django_db

SHOP = "tienda-uno.myshopify.com"


@pytest.fixture
def mapping():
    association = ProductAssociationFactory(
        shop=SHOP,
        shopify_product_id="gid://shopify/Product/777",
        shopify_product_title="Camiseta",
        replace_images=True,
        price_rule={"mode": "fixed", "fixed_price": "45900", "rounding": "none"},
    )
    return VariantMappingFactory(
        association=association,
        shopify_variant_id="gid://shopify/ProductVariant/888",
        shopify_variant_title="Negro",
    )


def test_an_association_shows_its_options_rule_and_mappings_linked_to_shopify(admin_client, mapping):
    association = mapping.association

    page = admin_client.get(reverse("admin:products_productassociation_change", args=[association.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert 'name="replace_images"' in text
    assert "45900" in text
    assert f'href="https://{SHOP}/admin/products/777"' in text
    assert f'href="https://{SHOP}/admin/products/777/variants/888"' in text
    assert f"/admin/products/variantmapping/?association={association.pk}" in text


def test_variant_mappings_are_listed_per_shop_with_the_shopify_variant(admin_client, mapping):
    VariantMappingFactory(association=ProductAssociationFactory(shop="otra.myshopify.com"))
    ShopConfigurationFactory(shop=SHOP)

    configuration_page = admin_client.get(reverse("admin:shops_shopconfiguration_by_shop", args=[SHOP]), follow=True)
    listing = admin_client.get(reverse("admin:products_variantmapping_changelist"), {"association__shop": SHOP})
    by_association = admin_client.get(
        reverse("admin:products_variantmapping_changelist"), {"association": mapping.association.pk}
    )

    assert "/admin/products/variantmapping/?association__shop=tienda-uno.myshopify.com" in (
        configuration_page.content.decode()
    )
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    assert f'href="https://{SHOP}/admin/products/777/variants/888"' in listing.content.decode()
    assert by_association.context["cl"].result_count == 1


ASSOCIATIONS = reverse("admin:products_productassociation_changelist")
MAPPINGS = reverse("admin:products_variantmapping_changelist")


def found(response):
    return sorted(row.pk for row in response.context["cl"].result_list)


def test_associations_are_found_by_the_beginning_of_their_dropi_name_or_shopify_title(admin_client):
    shirt = ProductAssociationFactory(dropi_product_name="Camiseta negra talla M", shopify_product_title="Polo")
    mug = ProductAssociationFactory(dropi_product_name="Taza", shopify_product_title="Taza mágica 350 ml")
    ProductAssociationFactory(dropi_product_name="Gorra", shopify_product_title="Gorra negra")

    assert found(admin_client.get(ASSOCIATIONS, {"q": "Camiseta negra"})) == [shirt.pk]
    assert found(admin_client.get(ASSOCIATIONS, {"q": "  camiseta   NEGRA "})) == [shirt.pk]
    assert found(admin_client.get(ASSOCIATIONS, {"q": "taza mágica"})) == [mug.pk]
    assert found(admin_client.get(ASSOCIATIONS, {"q": "Polo"})) == [shirt.pk]
    # Names match from their first letter only: that is what keeps the search on an index.
    assert found(admin_client.get(ASSOCIATIONS, {"q": "negra"})) == []


def test_the_association_search_help_says_names_match_by_their_beginning(admin_client):
    page = admin_client.get(ASSOCIATIONS, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "names match from their first letter" in page


def test_variant_mappings_are_found_by_the_beginning_of_their_variation_or_variant_title(admin_client):
    black = VariantMappingFactory(dropi_variation_label="Negro / M / Algodón", shopify_variant_title="Negro M")
    white = VariantMappingFactory(dropi_variation_label="Blanco / S", shopify_variant_title="Blanco pequeño")

    assert found(admin_client.get(MAPPINGS, {"q": "Negro / M"})) == [black.pk]
    assert found(admin_client.get(MAPPINGS, {"q": "blanco peq"})) == [white.pk]
    assert found(admin_client.get(MAPPINGS, {"q": black.dropi_variation_id})) == [black.pk]
    assert found(admin_client.get(MAPPINGS, {"q": "Algodón"})) == []


def test_variant_mappings_have_a_date_drill_down_and_never_count_the_whole_table(admin_client):
    mapping = VariantMappingFactory()
    year = mapping.created_at.year

    page = admin_client.get(MAPPINGS)
    same_year = admin_client.get(MAPPINGS, {"created_at__year": year})
    other_year = admin_client.get(MAPPINGS, {"created_at__year": year - 1})

    assert page.context["cl"].date_hierarchy == "created_at"
    assert f"?created_at__year={year}" in page.content.decode()
    assert isinstance(page.context["cl"].paginator, LargeTablePaginator)
    assert found(same_year) == [mapping.pk]
    assert found(other_year) == []


def test_the_variant_mapping_list_costs_the_same_queries_for_3_or_60_rows(admin_client):
    for _ in range(3):
        VariantMappingFactory()
    with CaptureQueriesContext(connection) as few:
        admin_client.get(MAPPINGS)
    for _ in range(57):
        VariantMappingFactory()
    with CaptureQueriesContext(connection) as many:
        admin_client.get(MAPPINGS)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert not any("DISTINCT" in query["sql"].upper() for query in many.captured_queries)


@pytest.mark.parametrize("association_limit", [1000, 1], ids=["in-list", "join-beyond-the-limit"])
def test_variant_mappings_are_found_by_the_beginning_of_the_shop_domain(admin_client, monkeypatch, association_limit):
    monkeypatch.setattr(products_admin, "SHOP_SEARCH_ASSOCIATION_LIMIT", association_limit)
    first = VariantMappingFactory(association=ProductAssociationFactory(shop="tienda-a.myshopify.com"))
    second = VariantMappingFactory(association=ProductAssociationFactory(shop="tienda-b.myshopify.com"))
    VariantMappingFactory(association=ProductAssociationFactory(shop="otra.myshopify.com"))

    assert found(admin_client.get(MAPPINGS, {"q": "tienda"})) == [first.pk, second.pk]
    assert found(admin_client.get(MAPPINGS, {"q": "TIENDA-B.myshopify.com"})) == [second.pk]
    assert found(admin_client.get(MAPPINGS, {"q": "nada"})) == []
