"""The plan of an import: what a Dropi product becomes in Shopify, worked out from the Dropi
product, the import options and the price rule. Pure: no I/O, no database.

Owns: the options and variants a Dropi product becomes (one option per Dropi attribute, or
one "Variant" option), each variant's price under the rule, SKU, suggested barcode and stock,
the sanitised description and the images; the whole plan of a new product (``create_plan``)
and, once Shopify saved it, which new variant is which Dropi variation. The plan of a link is
``link_plan``'s; turning a plan into Shopify's input is ``import_input``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import nh3
from django.utils.translation import gettext as _

from connector.dropi.client import DropiProduct, DropiVariation
from connector.errors import ApplicationError
from connector.shopify.product_set import SavedProduct
from products.pricing import PriceRule, price_for

MAX_IMAGES = 10
MAX_TITLE_LENGTH = 255
MAX_OPTION_VALUE_LENGTH = 255
MAX_SHOPIFY_OPTIONS = 3
STATUSES = ("DRAFT", "ACTIVE")


@dataclass(frozen=True)
class ImportOptions:
    save_name: bool = True
    save_description: bool = True
    save_images: bool = True
    replace_images: bool = False
    use_suggested_barcode: bool = False
    status: str = "DRAFT"


@dataclass(frozen=True)
class PlannedVariant:
    dropi_variation_id: str
    label: str
    option_values: tuple[str, ...]
    sku: str
    price: Decimal
    barcode: str
    stock: int = 0


class MappedVariant(NamedTuple):
    """A Dropi variation and the Shopify variant that sells it."""

    dropi_variation_id: str
    dropi_label: str
    shopify_variant_id: str
    shopify_title: str


@dataclass(frozen=True)
class PlannedImages:
    urls: tuple[str, ...]  # new images, downloaded by Shopify
    alt: str
    kept_media_ids: tuple[str, ...] = ()  # the product's media kept before them


@dataclass(frozen=True)
class CreatePlan:
    """A new Shopify product made from a Dropi product."""

    title: str
    status: str
    description_html: str  # "": none
    images: PlannedImages | None  # None: no images
    option_names: tuple[str, ...]
    variants: tuple[PlannedVariant, ...]
    warnings: tuple[str, ...]


def sanitize_description(html: str) -> str:
    """Dropi's HTML without scripts, styles, event handlers or dangerous URLs (nh3)."""
    return nh3.clean(html or "").strip()


def suggested_code(item: DropiProduct | DropiVariation) -> str:
    """The barcode Dropi suggests: its own barcode when it sends one, else its SKU."""
    return (item.barcode or item.sku)[:255]


def planned_images(product: DropiProduct, *, kept_media_ids: tuple[str, ...] = ()) -> PlannedImages:
    """The Dropi product's first images, after the media to keep (none: the list is replaced)."""
    return PlannedImages(urls=product.images[:MAX_IMAGES], alt=product.name[:512], kept_media_ids=kept_media_ids)


def _price(rule: PriceRule, product: DropiProduct, variation: DropiVariation | None, label: str) -> Decimal | None:
    sale = variation.sale_price if variation and variation.sale_price is not None else product.sale_price
    suggested = variation.suggested_price if variation and variation.suggested_price else product.suggested_price
    price = price_for(rule, sale_price=sale, suggested_price=suggested)
    if price is None and rule.changes_prices:
        raise ApplicationError(
            _("Dropi has no price for “%(label)s”. Choose a fixed price.") % {"label": label},
            field="price_rule.mode",
            code="no_dropi_price",
        )
    return price


def _unique(values: list[str]) -> list[str]:
    """Option values made unique and short enough for Shopify ("Rojo", "Rojo (2)", …)."""
    seen: set[str] = set()
    unique = []
    for value in values:
        value = value.strip()[: MAX_OPTION_VALUE_LENGTH - 6] or "—"
        candidate, number = value, 2
        while candidate.lower() in seen:
            candidate, number = f"{value} ({number})", number + 1
        seen.add(candidate.lower())
        unique.append(candidate)
    return unique


def variant_plan(
    product: DropiProduct, *, rule: PriceRule, use_suggested_barcode: bool
) -> tuple[list[str], list[PlannedVariant]]:
    """The Shopify options and variants for a Dropi product.

    Variations become variants with one option per Dropi attribute (at most three, every
    variation having a value for each and no two alike); otherwise one option "Variant" with
    each variation's label. A product without variations gets Shopify's single default variant.
    """
    if not product.variations:
        label = product.name or product.id
        return ["Title"], [
            PlannedVariant(
                dropi_variation_id="",
                label=label,
                option_values=("Default Title",),
                sku=product.sku[:255],
                price=_price(rule, product, None, label) or Decimal("0"),
                barcode=suggested_code(product) if use_suggested_barcode else "",
                stock=product.stock,
            )
        ]
    names: list[str] = []
    for variation in product.variations:
        for name, _value in variation.attributes:
            if name not in names:
                names.append(name)
    rows = [dict(variation.attributes) for variation in product.variations]
    combinations = [tuple(row.get(name, "") for name in names) for row in rows]
    by_attributes = (
        1 <= len(names) <= MAX_SHOPIFY_OPTIONS
        and all(len(row) == len(names) and all(row.values()) for row in rows)
        and len(set(combinations)) == len(combinations)
        and all(len(value) <= MAX_OPTION_VALUE_LENGTH for combination in combinations for value in combination)
        and all(len(name) <= MAX_OPTION_VALUE_LENGTH for name in names)
    )
    if by_attributes:
        option_names = names
        values = combinations
    else:
        option_names = [_("Variant")]
        values = [(label,) for label in _unique([variation.label for variation in product.variations])]
    plan = [
        PlannedVariant(
            dropi_variation_id=variation.id,
            label=variation.label,
            option_values=option_values,
            sku=variation.sku[:255],
            price=_price(rule, product, variation, variation.label) or Decimal("0"),
            barcode=suggested_code(variation) if use_suggested_barcode else "",
            stock=variation.stock,
        )
        for variation, option_values in zip(product.variations, values, strict=True)
    ]
    return option_names, plan


def create_plan(product: DropiProduct, *, options: ImportOptions, rule: PriceRule) -> CreatePlan:
    """The new product: the Dropi product's name, description and first images as the options
    ask, its variations as options and variants priced by ``rule``, with their stock.

    Raises ApplicationError when the Dropi product has no name or a variation has no price the
    rule can use.
    """
    title = product.name.strip()[:MAX_TITLE_LENGTH]
    if not title:
        raise ApplicationError(_("This Dropi product has no name."), code="dropi_no_name")
    option_names, variants = variant_plan(product, rule=rule, use_suggested_barcode=options.use_suggested_barcode)
    warnings = []
    images = None
    if options.save_images and product.images:
        images = planned_images(product)
        if len(product.images) > MAX_IMAGES:
            warnings.append(_("Only the first %(count)d images were imported.") % {"count": MAX_IMAGES})
    elif options.save_images:
        warnings.append(_("This Dropi product has no images."))
    return CreatePlan(
        title=title,
        status=options.status,
        description_html=sanitize_description(product.description) if options.save_description else "",
        images=images,
        option_names=tuple(option_names),
        variants=tuple(variants),
        warnings=tuple(warnings),
    )


def created_variant_mappings(plan: CreatePlan, saved: SavedProduct) -> list[MappedVariant]:
    """Which of the variants Shopify created sells which Dropi variation (matched by their
    option values; a product without variations has none)."""
    by_values = {variant.option_values: variant for variant in plan.variants}
    mappings = []
    for saved_variant in saved.variants:
        variant = by_values.get(tuple(value for _name, value in saved_variant.options))
        if variant is not None and variant.dropi_variation_id:
            mappings.append(
                MappedVariant(variant.dropi_variation_id, variant.label, saved_variant.id, saved_variant.title)
            )
    return mappings


def option_values(plan_variants: Sequence[PlannedVariant], position: int) -> list[str]:
    """The values of the option at ``position``, in the order the variants first use them."""
    values: list[str] = []
    for variant in plan_variants:
        if variant.option_values[position] not in values:
            values.append(variant.option_values[position])
    return values
