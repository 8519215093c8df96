"""Dropi and Shopify products built in memory for the tests of the pure import plan."""

from decimal import Decimal

from connector.dropi.client import DropiProduct, DropiVariation
from connector.shopify.products import ShopifyOption, ShopifyProduct, ShopifyVariant


def variation(number, *, attributes=(("Color", "Rojo"),), sale="20000", suggested=None, stock=4, barcode=""):
    return DropiVariation(
        id=str(number),
        sku=f"SKU-{number}",
        label=" / ".join(value for _name, value in attributes),
        attributes=tuple(attributes),
        sale_price=Decimal(sale) if sale is not None else None,
        suggested_price=Decimal(suggested) if suggested is not None else None,
        stock=stock,
        barcode=barcode,
    )


def dropi(*, name="Camiseta", variations=(), images=2, sale="20000", suggested="39900", stock=9, description=""):
    return DropiProduct(
        id="7001",
        sku="SKU-7001",
        name=name,
        type="SIMPLE" if not variations else "VARIABLE",
        description=description,
        sale_price=Decimal(sale) if sale is not None else None,
        suggested_price=Decimal(suggested) if suggested is not None else None,
        categories=(),
        images=tuple(f"https://cdn.test/{number}.jpg" for number in range(images)),
        stock=stock,
        warehouses=(),
        variations=tuple(variations),
        private=False,
        barcode="",
    )


def shopify(*variants, media=1, stocked=None, more_variants=False, more_media=False):
    """A Shopify product with one option "Color" and a variant per colour (``variants``)."""
    variants = variants or ("Default Title",)
    return ShopifyProduct(
        id="gid://shopify/Product/1",
        title="Camiseta básica",
        handle="camiseta",
        status="ACTIVE",
        image_url="",
        options=(
            ShopifyOption(
                id="gid://shopify/ProductOption/1",
                name="Color",
                values=tuple(
                    (f"gid://shopify/ProductOptionValue/{index}", name) for index, name in enumerate(variants)
                ),
            ),
        ),
        variants=tuple(
            ShopifyVariant(
                id=f"gid://shopify/ProductVariant/{index}",
                title=name,
                sku="",
                price="1.00",
                barcode="",
                options=(("Color", name),),
            )
            for index, name in enumerate(variants)
        ),
        media_ids=tuple(f"gid://shopify/MediaImage/{index}" for index in range(media)),
        more_variants=more_variants,
        more_media=more_media,
        stocked_variant_ids=frozenset(
            f"gid://shopify/ProductVariant/{index}" for index in (range(len(variants)) if stocked is None else stocked)
        ),
    )
