"""What an import of a Dropi product sends to Shopify, worked out from the Dropi product, the
options and the price rule: options, variants, prices, barcodes, stock, images.

Owns: sanitising the description, the suggested barcode, the price of each variation under the
rule, turning variations into Shopify options and variants, the variant mappings a link asks
for (checked against both products) and the stock a link writes. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import nh3
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from connector.dropi.client import DropiProduct, DropiVariation
from connector.errors import ApplicationError
from products.pricing import PriceRule, price_for
from products.services.shopify_products import (
    VARIANT_GID_RE,
    ShopifyProduct,
    StockLocation,
)

MAX_IMAGES = 10
MAX_TITLE_LENGTH = 255
MAX_OPTION_VALUE_LENGTH = 255
MAX_SHOPIFY_OPTIONS = 3
STATUSES = ("DRAFT", "ACTIVE")
MAX_QUANTITY = 1_000_000_000  # Shopify refuses inventory quantities above this


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


def sanitize_description(html: str) -> str:
    """Dropi's HTML without scripts, styles, event handlers or dangerous URLs (nh3)."""
    return nh3.clean(html or "").strip()


def suggested_code(item: DropiProduct | DropiVariation) -> str:
    """The barcode Dropi suggests: its own barcode when it sends one, else its SKU."""
    return (item.barcode or item.sku)[:255]


def _files(product: DropiProduct) -> list[dict[str, str]]:
    alt = product.name[:512]
    return [{"originalSource": url, "contentType": "IMAGE", "alt": alt} for url in product.images[:MAX_IMAGES]]


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


def _product_options(option_names: list[str], plan: list[PlannedVariant]) -> list[dict[str, Any]]:
    options = []
    for position, name in enumerate(option_names):
        values: list[str] = []
        for variant in plan:
            if variant.option_values[position] not in values:
                values.append(variant.option_values[position])
        options.append({"name": name, "position": position + 1, "values": [{"name": value} for value in values]})
    return options


def _stock_input(location: StockLocation, quantity: int) -> dict[str, Any]:
    """Track the variant's inventory and set ``quantity`` as available at ``location``."""
    return {
        "inventoryItem": {"tracked": True},
        "inventoryQuantities": [
            {"locationId": location.id, "name": "available", "quantity": min(max(quantity, 0), MAX_QUANTITY)}
        ],
    }


def _variant_input(option_names: list[str], variant: PlannedVariant, location: StockLocation | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "optionValues": [
            {"optionName": name, "name": value} for name, value in zip(option_names, variant.option_values, strict=True)
        ],
        "price": str(variant.price),
    }
    if variant.sku:
        data["sku"] = variant.sku
    if variant.barcode:
        data["barcodes"] = [{"value": variant.barcode}]
    if location is not None:
        data.update(_stock_input(location, variant.stock))
    return data


def _mappings_from_input(
    raw: Any, *, product: DropiProduct, shopify: ShopifyProduct
) -> list[tuple[str, str, str, str]]:
    """Validated (dropi variation id, label, shopify variant id, title) pairs; the Dropi
    variation must belong to the Dropi product and the variant to the Shopify product."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > max(len(product.variations), 1) * 2:
        raise ApplicationError(_("The variant mapping is not valid."), field="variant_mappings", code="invalid")
    variations = {variation.id: variation for variation in product.variations}
    variants = {variant.id: variant for variant in shopify.variants}
    mappings: dict[str, tuple[str, str, str, str]] = {}
    used_variants: set[str] = set()
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ApplicationError(_("The variant mapping is not valid."), field="variant_mappings", code="invalid")
        variation_id = str(item.get("dropi_variation_id") or "").strip()
        variant_id = str(item.get("shopify_variant_id") or "").strip()
        if not variant_id:
            continue
        field_name = f"variant_mappings.{position}"
        if variation_id not in variations:
            raise ApplicationError(
                _("This Dropi variation does not belong to the product."), field=field_name, code="unknown_variation"
            )
        if not VARIANT_GID_RE.match(variant_id) or variant_id not in variants:
            raise ApplicationError(
                _("This Shopify variant does not belong to the chosen product."),
                field=field_name,
                code="unknown_variant",
            )
        if variation_id in mappings or variant_id in used_variants:
            raise ApplicationError(
                _("Each Dropi variation and each Shopify variant can be mapped once."),
                field=field_name,
                code="duplicate_mapping",
            )
        used_variants.add(variant_id)
        mappings[variation_id] = (
            variation_id,
            variations[variation_id].label,
            variant_id,
            variants[variant_id].title,
        )
    return list(mappings.values())


def _link_stock(
    product: DropiProduct,
    shopify: ShopifyProduct,
    mappings: list[tuple[str, str, str, str]],
    location: StockLocation,
    warnings: list[str],
) -> dict[str, int]:
    """Dropi's stock per Shopify variant id for a link: the mapped variants, or the only variant
    when the Dropi product has no variations; only variants stocked at ``location`` (the others
    are named in a warning). Adds a warning for each part left out."""
    if product.variations:
        stock_of = {variation.id: variation.stock for variation in product.variations}
        wanted = {variant_id: stock_of[variation_id] for variation_id, _label, variant_id, _title in mappings}
    elif len(shopify.variants) == 1:
        wanted = {shopify.variants[0].id: product.stock}
    else:
        # One Dropi stock on several Shopify variants would multiply what can be sold.
        warnings.append(
            _(
                "The stock was not written: this Dropi product has no variations and the Shopify product has "
                "%(count)d variants. Link it to a product with one variant to synchronise the stock."
            )
            % {"count": len(shopify.variants)}
        )
        return {}
    if wanted and shopify.more_variants:
        warnings.append(_("This Shopify product has more than 250 variants; its stock was not changed."))
        return {}
    stocked = shopify.stocked_variant_ids
    titles = {variant.id: variant.title for variant in shopify.variants}
    not_stocked = [titles.get(variant_id, variant_id) for variant_id in wanted if variant_id not in stocked]
    if not_stocked:
        warnings.append(
            ngettext(
                "The variant %(variants)s is not stocked at “%(location)s” in Shopify, so its stock was not changed.",
                "The variants %(variants)s are not stocked at “%(location)s” in Shopify, so their stock was not "
                "changed.",
                len(not_stocked),
            )
            % {"variants": ", ".join(not_stocked), "location": location.name}
        )
    return {variant_id: quantity for variant_id, quantity in wanted.items() if variant_id in stocked}


def _plan_for_link(product: DropiProduct, rule: PriceRule, options: ImportOptions) -> list[PlannedVariant]:
    _names, plan = variant_plan(product, rule=rule, use_suggested_barcode=options.use_suggested_barcode)
    return plan
