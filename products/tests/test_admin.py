"""The console's product tables: associations and variant mappings per shop, linked to the
product and variant in Shopify Admin, with the sync options and price rule of the last import."""

import pytest
from django.urls import reverse

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
