import factory

from products.models import ProductAssociation, VariantMapping


class ProductAssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductAssociation

    shop = factory.Sequence(lambda number: f"shop-{number}.myshopify.com")
    dropi_product_id = factory.Sequence(lambda number: str(100000 + number))
    shopify_product_id = factory.Sequence(lambda number: f"gid://shopify/Product/{900000 + number}")
    dropi_product_name = "Reloj inteligente ⌚"
    shopify_product_title = "Reloj inteligente"
    import_type = ProductAssociation.ImportType.LINK
    dropi_variations = factory.LazyFunction(lambda: [{"id": 1, "sku": "RJ-1", "color": "Negro"}])


class VariantMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VariantMapping

    association = factory.SubFactory(ProductAssociationFactory)
    dropi_variation_id = factory.Sequence(lambda number: str(5000 + number))
    shopify_variant_id = factory.Sequence(lambda number: f"gid://shopify/ProductVariant/{7000 + number}")
