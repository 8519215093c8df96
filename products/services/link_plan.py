"""The plan of a link: what changes in an existing Shopify product linked to a Dropi product,
worked out from both products (the Shopify one read a moment before), the variant mappings
the merchant chose, the import options, the price rule and the stock location. Pure: no I/O,
no database.

Owns: checking the mappings against both products, the title, description and images to
set, the price and barcode of each Shopify variant, the stock of each (only where Shopify can
take it), and the warnings that say what was left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from connector.dropi.client import DropiProduct
from connector.errors import ApplicationError
from connector.shopify.ids import VARIANT_GID_RE
from connector.shopify.products import ShopifyProduct
from products.pricing import PriceRule
from products.services.import_plan import (
    MAX_TITLE_LENGTH,
    ImportOptions,
    MappedVariant,
    PlannedImages,
    planned_images,
    sanitize_description,
    variant_plan,
)
from products.services.stock_location import StockLocation


@dataclass(frozen=True)
class VariantChange:
    price: Decimal | None = None  # None: the price stays
    barcode: str = ""  # "": the barcode stays


@dataclass(frozen=True)
class LinkPlan:
    shopify: ShopifyProduct  # as read just before: its options and variants are sent back
    title: str | None  # None: the title stays
    description_html: str | None  # None: the description stays
    images: PlannedImages | None  # None: the images stay
    changes: Mapping[str, VariantChange]  # by Shopify variant id
    stock: Mapping[str, int]  # available at ``location``, by Shopify variant id
    location: StockLocation | None
    mappings: tuple[MappedVariant, ...]
    warnings: tuple[str, ...]


def link_needs_stock_location(product: DropiProduct, requested_mappings: Any) -> bool:
    """Whether stock may be written: to the mapped variants, or to the only variant of a Dropi
    product without variations. Shopify sets quantities of an existing variant only where it
    is already stocked, so the location is needed before the read, which asks which are."""
    return bool(requested_mappings) or not product.variations


def _invalid_mapping() -> ApplicationError:
    return ApplicationError(_("The variant mapping is not valid."), field="variant_mappings", code="invalid")


def variant_mappings_check(raw: Any, *, product: DropiProduct, shopify: ShopifyProduct) -> list[MappedVariant]:
    """The mappings the merchant asked for, checked: the Dropi variation must belong to the
    Dropi product, the variant to the Shopify product, and each be mapped once. Entries
    without a variant are skipped. Raises ApplicationError naming the entry."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > max(len(product.variations), 1) * 2:
        raise _invalid_mapping()
    variations = {variation.id: variation for variation in product.variations}
    variants = {variant.id: variant for variant in shopify.variants}
    mappings: dict[str, MappedVariant] = {}
    used_variants: set[str] = set()
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _invalid_mapping()
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
        mappings[variation_id] = MappedVariant(
            variation_id, variations[variation_id].label, variant_id, variants[variant_id].title
        )
    return list(mappings.values())


def _images(
    product: DropiProduct, shopify: ShopifyProduct, options: ImportOptions, warnings: list[str]
) -> PlannedImages | None:
    """The Dropi images replace Shopify's or come after them; none when the options say so."""
    if not options.save_images:
        return None
    if not product.images:
        warnings.append(_("This Dropi product has no images; the Shopify images were kept."))
        return None
    if options.replace_images:
        return planned_images(product)
    if shopify.more_media:
        raise ApplicationError(
            _("This Shopify product has more than 100 images; choose “replace images” or leave images out."),
            field="replace_images",
            code="too_many_media",
        )
    return planned_images(product, kept_media_ids=shopify.media_ids)


def _changes(
    product: DropiProduct,
    shopify: ShopifyProduct,
    mappings: list[MappedVariant],
    *,
    options: ImportOptions,
    rule: PriceRule,
    warnings: list[str],
) -> dict[str, VariantChange]:
    """Prices and barcodes: a Dropi product without variations sets every Shopify variant; a
    product with variations sets the variants mapped to them."""
    if not (rule.changes_prices or options.use_suggested_barcode):
        return {}
    _names, planned = variant_plan(product, rule=rule, use_suggested_barcode=options.use_suggested_barcode)
    if product.variations:
        by_variation = {variant.dropi_variation_id: variant for variant in planned}
        targets = [(mapping.shopify_variant_id, by_variation[mapping.dropi_variation_id]) for mapping in mappings]
        if not targets:
            warnings.append(_("No variant was mapped, so no price or barcode was changed."))
    else:
        targets = [(variant.id, planned[0]) for variant in shopify.variants]
    changes = {}
    for variant_id, variant in targets:
        change = VariantChange(
            price=variant.price if rule.changes_prices else None,
            barcode=variant.barcode if options.use_suggested_barcode else "",
        )
        if change.price is not None or change.barcode:
            changes[variant_id] = change
    if changes and shopify.more_variants:
        raise ApplicationError(
            _("This Shopify product has more than 250 variants; its prices cannot be changed from here."),
            field="price_rule.mode",
            code="too_many_variants",
        )
    return changes


def _stock(
    product: DropiProduct,
    shopify: ShopifyProduct,
    mappings: list[MappedVariant],
    location: StockLocation,
    warnings: list[str],
) -> dict[str, int]:
    """Dropi's stock per Shopify variant id: the mapped variants, or the only variant when the
    Dropi product has no variations; only variants stocked at ``location`` (the others are
    named in a warning). Adds a warning for each part left out."""
    if product.variations:
        stock_of = {variation.id: variation.stock for variation in product.variations}
        wanted = {mapping.shopify_variant_id: stock_of[mapping.dropi_variation_id] for mapping in mappings}
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


def link_plan(
    product: DropiProduct,
    *,
    shopify: ShopifyProduct,
    requested_mappings: Any,
    options: ImportOptions,
    rule: PriceRule,
    location: StockLocation | None,
) -> LinkPlan:
    """What the link changes in ``shopify``: the title, description and images as the options
    ask, the prices and barcodes under ``rule``, and Dropi's stock at ``location`` (None: no
    stock). Raises ApplicationError for a foreign or repeated mapping, a product with more
    media or variants than one read returns, or a variation without a price the rule can use.
    """
    mappings = variant_mappings_check(requested_mappings, product=product, shopify=shopify)
    warnings: list[str] = []
    images = _images(product, shopify, options, warnings)
    changes = _changes(product, shopify, mappings, options=options, rule=rule, warnings=warnings)
    stock = _stock(product, shopify, mappings, location, warnings) if location is not None else {}
    name = product.name.strip()
    description = sanitize_description(product.description) if options.save_description else ""
    return LinkPlan(
        shopify=shopify,
        title=name[:MAX_TITLE_LENGTH] if options.save_name and name else None,
        description_html=description or None,
        images=images,
        changes=changes,
        stock=stock,
        location=location,
        mappings=tuple(mappings),
        warnings=tuple(warnings),
    )
