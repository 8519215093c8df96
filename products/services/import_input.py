"""The ``productSet`` input of an import, built from its plan. Pure: no I/O.

Owns: turning a create plan (``import_plan``) or a link plan (``link_plan``) into the typed
input of ``connector.shopify.product_set``, with or without the stock, so that a refusal of
the stock alone can be followed by the same input without it.
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.shopify.product_set import (
    ExistingMedia,
    NewImage,
    OptionInput,
    OptionValueInput,
    ProductSetInput,
    StockInput,
    VariantInput,
)
from connector.shopify.products import ShopifyVariant
from products.services.import_plan import CreatePlan, PlannedImages, option_values
from products.services.link_plan import LinkPlan, VariantChange
from products.services.stock_location import StockLocation


def _files(images: PlannedImages | None) -> tuple[NewImage | ExistingMedia, ...] | None:
    if images is None:
        return None
    kept = tuple(ExistingMedia(media_id) for media_id in images.kept_media_ids)
    return kept + tuple(NewImage(source=url, alt=images.alt) for url in images.urls)


def create_input(plan: CreatePlan, *, location: StockLocation | None) -> ProductSetInput:
    """A new product: every option and variant of the plan, tracked with Dropi's stock
    available at ``location`` (None: no stock)."""
    options = tuple(
        OptionInput(
            name=name,
            position=position + 1,
            values=tuple(OptionValueInput(value) for value in option_values(plan.variants, position)),
        )
        for position, name in enumerate(plan.option_names)
    )
    variants = tuple(
        VariantInput(
            option_values=tuple(zip(plan.option_names, variant.option_values, strict=True)),
            price=variant.price,
            sku=variant.sku,
            barcode=variant.barcode,
            stock=StockInput(location.id, variant.stock) if location is not None else None,
        )
        for variant in plan.variants
    )
    return ProductSetInput(
        title=plan.title,
        status=plan.status,
        description_html=plan.description_html or None,
        files=_files(plan.images),
        options=options,
        variants=variants,
    )


def _linked_variant(plan: LinkPlan, variant: ShopifyVariant, stock: Mapping[str, int]) -> VariantInput:
    change = plan.changes.get(variant.id, VariantChange())
    location = plan.location
    return VariantInput(
        id=variant.id,
        option_values=variant.options,
        price=change.price,
        barcode=change.barcode,
        stock=StockInput(location.id, stock[variant.id]) if location is not None and variant.id in stock else None,
    )


def link_input(plan: LinkPlan, *, with_stock: bool) -> ProductSetInput:
    """The changes of a link (empty when there are none). ``productSet`` replaces the variant
    list, so when a variant changes every existing variant is listed, as read just before, the
    changed ones with their new price, barcode and stock."""
    stock = plan.stock if with_stock else {}
    options = variants = None
    if plan.changes or stock:
        options = tuple(
            OptionInput(
                id=option.id,
                name=option.name,
                values=tuple(OptionValueInput(name, id=value_id) for value_id, name in option.values),
            )
            for option in plan.shopify.options
        )
        variants = tuple(_linked_variant(plan, variant, stock) for variant in plan.shopify.variants)
    return ProductSetInput(
        title=plan.title,
        description_html=plan.description_html,
        files=_files(plan.images),
        options=options,
        variants=variants,
    )
