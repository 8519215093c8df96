"""Use cases for bringing a Dropi product into Shopify: create a new product, or link an
existing one, and remember the association (with its variant mappings).

Owns: the preview of an import (prices under the chosen rule), the Shopify input built from
the Dropi product (sanitised description, CDN images, options and variants, SKUs, barcodes,
prices, Dropi's stock as the available quantity at the shop's stock location), the Shopify
calls, and saving the association only after Shopify accepted the change.

Shopify calls per import, by design:
- create: one ``productSet`` (title, description, images, options, variants with tracked
  inventory and their stock, status);
- link: ``ProductGet`` (does the product still exist; its options, variants and media, and
  which variants are stocked at the stock location) then one ``productSet`` by id.
  ``productUpdate`` can append media but cannot remove it nor change variant prices, barcodes
  and stock, which would take more mutations (``fileUpdate``, ``productVariantsBulkUpdate``,
  ``inventorySetQuantities``) and leave a half-changed product when one of them fails.
  ``productSet`` changes title, description, images (replacing the list, or keeping the
  existing ids read a moment before) and the variants in one mutation, checked as a whole.
- plus one ``LocationPrimary`` query when the shop's stock location is not cached (see
  ``shopify_stock_location_get``), and one more ``productSet`` without the stock when Shopify
  refuses only the stock (permission missing, location gone): the product is then saved
  without stock and the merchant is told so. A refused ``productSet`` changed nothing.

Must not hold a transaction across a vendor call; must not log descriptions or tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import nh3
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from connector.dropi.client import DropiProduct, DropiVariation
from connector.errors import ApplicationError
from connector.selectors import shopify_session_has_scope
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError, ShopifyForbidden, ShopifyUserErrors
from connector.shopify.graphql import ShopifyAdminClient
from products.models import ProductAssociation, VariantMapping
from products.pricing import PriceRule, price_for
from products.services.catalogue import dropi_product_get
from products.services.shopify_products import (
    VARIANT_GID_RE,
    ShopifyProduct,
    StockLocation,
    shopify_admin_product_url,
    shopify_error_as_application_error,
    shopify_product_get,
    shopify_product_gid,
    shopify_stock_location_forget,
    shopify_stock_location_get,
)
from shops.services import dropi_access_get

logger = logging.getLogger(__name__)

MAX_IMAGES = 10
MAX_TITLE_LENGTH = 255
MAX_OPTION_VALUE_LENGTH = 255
MAX_SHOPIFY_OPTIONS = 3
IMPORT_LOCK_SECONDS = 120
STATUSES = ("DRAFT", "ACTIVE")
MAX_QUANTITY = 1_000_000_000  # Shopify refuses inventory quantities above this
STOCK_FIELDS = ("inventoryQuantities", "inventoryItem")


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


@dataclass
class ImportResult:
    association: ProductAssociation
    created: bool
    shopify_product_id: str
    shopify_title: str
    admin_url: str
    shopify_calls: int
    warnings: list[str] = field(default_factory=list)


class _StockRefused(Exception):
    """Shopify refused only the stock of a ``productSet`` (nothing changed); ``warning`` says why."""

    def __init__(self, warning: str) -> None:
        super().__init__(warning)
        self.warning = warning


class ShopifyRefused(ApplicationError):
    """Shopify answered ``userErrors``: nothing was changed; each error names its field."""

    def __init__(self, user_errors: list[dict[str, str]]) -> None:
        super().__init__(_("Shopify refused the product. Nothing was changed."), code="shopify_user_errors", status=422)
        self.user_errors = user_errors

    def as_dict(self) -> dict[str, object]:
        body = super().as_dict()
        body["user_errors"] = self.user_errors
        return body


# --------------------------------------------------------------------------- building blocks
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


def _permission_warning() -> str:
    return _(
        "The stock was not written to Shopify: the app does not have the inventory permissions yet "
        "(write_inventory, read_locations). Open the app again from Shopify Admin to accept them, then import again."
    )


def _stock_location(*, shop: str, client: ShopifyAdminClient) -> tuple[StockLocation | None, list[str]]:
    """Where Dropi's stock goes, or None and a warning saying why it cannot be written: the
    import goes on without stock when the permission is missing or the shop has no active
    location. Raises ApplicationError when Shopify fails otherwise."""
    if not shopify_session_has_scope(shop=shop, scope="write_inventory"):
        return None, [_permission_warning()]
    try:
        location = shopify_stock_location_get(shop=shop, client=client)
    except ShopifyForbidden:
        logger.info("No permission to read the shop's locations", extra={"shop": shop})
        return None, [_permission_warning()]
    except ShopifyError as error:
        raise shopify_error_as_application_error(error) from error
    if location is None:
        return None, [_("The stock was not written to Shopify: the shop has no active location.")]
    return location, []


def _user_errors(error: ShopifyUserErrors, *, variant_labels: list[str]) -> list[dict[str, str]]:
    """Shopify's userErrors with a label the merchant understands for each field path."""
    labels = {
        "title": _("Title"),
        "descriptionHtml": _("Description"),
        "files": _("Image"),
        "variants": _("Variant"),
        "productOptions": _("Options"),
        "identifier": _("Shopify product"),
        "price": _("price"),
        "barcodes": _("barcode"),
        "inventoryQuantities": _("stock"),
        "inventoryItem": _("inventory"),
        "locationId": _("location"),
        "quantity": _("quantity"),
        "sku": "SKU",
        "optionValues": _("options"),
    }
    errors = []
    for user_error in error.user_errors:
        path = [part for part in user_error.field if part not in ("input",)]
        parts: list[str] = []
        index = 0
        while index < len(path):
            part = path[index]
            following = path[index + 1] if index + 1 < len(path) else None
            if following is not None and following.isdigit():
                position = int(following)
                text = f"{labels.get(part, part)} {position + 1}"
                if part == "variants" and position < len(variant_labels):
                    text = f"{text} ({variant_labels[position]})"
                parts.append(text)
                index += 2
                continue
            parts.append(labels.get(part, part))
            index += 1
        errors.append(
            {
                "field": ".".join(user_error.field),
                "label": " · ".join(parts) or _("Product"),
                "message": user_error.message,
                "code": user_error.code or "",
            }
        )
    return errors


def _execute_product_set(
    client: ShopifyAdminClient, variables: dict[str, Any], *, variant_labels: list[str], with_stock: bool = False
) -> dict[str, Any]:
    try:
        result = client.execute("product_set", variables, user_errors_at="productSet")
    except ShopifyUserErrors as error:
        if any(user_error.code == "PRODUCT_DOES_NOT_EXIST" for user_error in error.user_errors):
            raise ApplicationError(
                _("This Shopify product no longer exists (was it deleted?). Choose another one."),
                field="shopify_product_id",
                code="shopify_product_missing",
                status=404,
            ) from error
        if with_stock and all(
            any(part in STOCK_FIELDS for part in user_error.field) for user_error in error.user_errors
        ):
            reason = "; ".join(user_error.message for user_error in error.user_errors)
            raise _StockRefused(
                _("Shopify did not accept the stock (%(reason)s), so the product was saved without it.")
                % {"reason": reason}
            ) from error
        raise ShopifyRefused(_user_errors(error, variant_labels=variant_labels)) from error
    except ShopifyForbidden as error:
        # The stock fields need write_inventory; without it Shopify refuses the whole call.
        if with_stock:
            raise _StockRefused(_permission_warning()) from error
        raise shopify_error_as_application_error(error) from error
    except ShopifyError as error:
        raise shopify_error_as_application_error(error) from error
    product = (result.data.get("productSet") or {}).get("product")
    if not product or not product.get("id"):
        raise ApplicationError(
            _("Shopify did not return the product. Check Shopify Admin before trying again."),
            code="shopify_no_product",
            status=502,
        )
    return product


def _product_set_with_stock(
    client: ShopifyAdminClient,
    *,
    shop: str,
    build: Callable[[StockLocation | None], dict[str, Any] | None],
    location: StockLocation | None,
    variant_labels: list[str],
) -> tuple[dict[str, Any] | None, list[str]]:
    """Run ``productSet`` with the variables ``build(location)`` returns (None: nothing to
    change, no call). When Shopify refuses only the stock, forget the cached location and run it
    once more without the stock; the warning says so. Returns the product Shopify answered."""
    variables = build(location)
    if variables is None:
        return None, []
    try:
        product = _execute_product_set(
            client, variables, variant_labels=variant_labels, with_stock=location is not None
        )
        return product, []
    except _StockRefused as refused:
        logger.info("Shopify refused the stock; saving without it", extra={"shop": shop})
        shopify_stock_location_forget(shop=shop)
        warning = refused.warning
    variables = build(None)
    if variables is None:
        return None, [warning]
    return _execute_product_set(client, variables, variant_labels=variant_labels), [warning]


class _ImportLock:
    """One import of a Dropi product at a time per shop (a double click must not create two)."""

    def __init__(self, shop: str, dropi_product_id: str) -> None:
        self.key = f"products:import-lock:{shop}:{dropi_product_id}"

    def __enter__(self) -> _ImportLock:
        if not cache.add(self.key, 1, IMPORT_LOCK_SECONDS):
            raise ApplicationError(
                _("This product is already being imported. Wait a moment."), code="import_in_progress", status=409
            )
        return self

    def __exit__(self, *exc: object) -> None:
        cache.delete(self.key)


# --------------------------------------------------------------------------- saving
def _variations_json(product: DropiProduct) -> list[dict[str, Any]]:
    return [
        {
            "id": variation.id,
            "sku": variation.sku,
            "label": variation.label,
            "attributes": [list(pair) for pair in variation.attributes],
            "sale_price": None if variation.sale_price is None else str(variation.sale_price),
            "suggested_price": None if variation.suggested_price is None else str(variation.suggested_price),
        }
        for variation in product.variations
    ]


def product_association_upsert(
    *,
    shop: str,
    product: DropiProduct,
    shopify_product_id: str,
    shopify_title: str,
    import_type: str,
    options: ImportOptions,
    rule: PriceRule,
    mappings: list[tuple[str, str, str, str]],
) -> tuple[ProductAssociation, bool]:
    """Create or update the (shop, Dropi product, Shopify product) association and replace its
    variant mappings ``(dropi variation id, label, shopify variant id, variant title)``, in one
    transaction. Idempotent for the same pair."""
    defaults = {
        "dropi_product_name": product.name[:500],
        "shopify_product_title": shopify_title[:500],
        "import_type": import_type,
        "dropi_variations": _variations_json(product),
        "save_dropi_name": options.save_name,
        "save_dropi_description": options.save_description,
        "save_dropi_images": options.save_images,
        "replace_images": options.replace_images and options.save_images,
        "use_suggested_barcode": options.use_suggested_barcode,
        "custom_price": str(rule.fixed_price) if rule.mode == "fixed" and rule.fixed_price else None,
        "price_rule": rule.as_dict(),
    }
    # update_or_create locks the row, and answers a concurrent insert of the same pair with
    # that row (unique constraint): the pair is updated, never duplicated.
    with transaction.atomic():
        association, created = ProductAssociation.objects.update_or_create(
            shop=shop, dropi_product_id=product.id, shopify_product_id=shopify_product_id, defaults=defaults
        )
        association.variant_mappings.all().delete()
        VariantMapping.objects.bulk_create(
            VariantMapping(
                association=association,
                dropi_variation_id=variation_id,
                dropi_variation_label=label[:500],
                shopify_variant_id=variant_id,
                shopify_variant_title=variant_title[:500],
            )
            for variation_id, label, variant_id, variant_title in mappings
        )
    return association, created


# --------------------------------------------------------------------------- preview
def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def product_import_preview(*, shop: str, dropi_product_id: str, rule: PriceRule) -> dict[str, Any]:
    """What an import of the Dropi product would send: name, sanitised description, images and
    each variation with the price under ``rule``. Calls Dropi (cached), never Shopify."""
    product, from_detail = dropi_product_get(shop=shop, product_id=dropi_product_id)
    access = dropi_access_get(shop=shop)
    warnings = []
    if not from_detail:
        warnings.append(_("Dropi's product page did not answer; the data of the catalogue list is used."))
    if not product.images:
        warnings.append(_("This Dropi product has no images."))
    price_error: dict[str, str] | None = None
    plan: list[PlannedVariant] = []
    try:
        _names, plan = variant_plan(product, rule=rule, use_suggested_barcode=True)
    except ApplicationError as error:
        price_error = {"error": error.message, "field": error.field or "price_rule"}
    prices = {variant.dropi_variation_id: variant.price for variant in plan}
    existing = ProductAssociation.objects.filter(shop=shop, dropi_product_id=product.id).order_by("-id")[:5]
    return {
        "product": {
            "id": product.id,
            "sku": product.sku,
            "name": product.name,
            "type": product.type,
            "description_html": sanitize_description(product.description),
            "images": list(product.images[:MAX_IMAGES]),
            "images_total": len(product.images),
            "sale_price": _money(product.sale_price),
            "suggested_price": _money(product.suggested_price),
            "suggested_code": suggested_code(product),
            "price": _money(prices.get("")) if rule.changes_prices and not product.variations else None,
        },
        "variations": [
            {
                "id": variation.id,
                "label": variation.label,
                "sku": variation.sku,
                "suggested_code": suggested_code(variation),
                "sale_price": _money(variation.sale_price if variation.sale_price is not None else product.sale_price),
                "suggested_price": _money(variation.suggested_price or product.suggested_price),
                "stock": variation.stock,
                "price": _money(prices.get(variation.id)) if rule.changes_prices else None,
            }
            for variation in product.variations
        ],
        "price_error": price_error,
        "country": access.country,
        "existing": [
            {
                "id": association.pk,
                "shopify_product_id": association.shopify_product_id,
                "shopify_title": association.shopify_product_title or "",
                "admin_url": shopify_admin_product_url(shop=shop, product_id=association.shopify_product_id),
            }
            for association in existing
        ],
        "warnings": warnings,
    }


# --------------------------------------------------------------------------- create
def product_import_create(*, shop: str, dropi_product_id: str, options: ImportOptions, rule: PriceRule) -> ImportResult:
    """Create a Shopify product from the Dropi product with ONE ``productSet`` call (variants
    tracked, Dropi's stock available at the shop's stock location; the location lookup before
    it when not cached), then save the association and the variant mappings (matched by option
    values).

    Without the inventory permission or an active location the product is created without
    stock and a warning says so. Nothing is saved when Shopify refuses (ShopifyRefused, field by
    field) or fails (ApplicationError). Raises ApplicationError for Dropi problems and invalid
    input.
    """
    if options.status not in STATUSES:
        raise ApplicationError(_("Choose draft or active."), field="status", code="invalid")
    product, _from_detail = dropi_product_get(shop=shop, product_id=dropi_product_id)
    title = product.name.strip()[:MAX_TITLE_LENGTH]
    if not title:
        raise ApplicationError(_("This Dropi product has no name."), code="dropi_no_name")
    option_names, plan = variant_plan(product, rule=rule, use_suggested_barcode=options.use_suggested_barcode)
    data: dict[str, Any] = {"title": title, "status": options.status}
    description = sanitize_description(product.description) if options.save_description else ""
    if description:
        data["descriptionHtml"] = description
    warnings = []
    if options.save_images and product.images:
        data["files"] = _files(product)
        if len(product.images) > MAX_IMAGES:
            warnings.append(_("Only the first %(count)d images were imported.") % {"count": MAX_IMAGES})
    elif options.save_images:
        warnings.append(_("This Dropi product has no images."))
    data["productOptions"] = _product_options(option_names, plan)

    def build(location: StockLocation | None) -> dict[str, Any]:
        variants = [_variant_input(option_names, variant, location) for variant in plan]
        return {"input": {**data, "variants": variants}}

    client = shopify_admin_client(shop=shop)
    with _ImportLock(shop, product.id):
        location, stock_warnings = _stock_location(shop=shop, client=client)
        answered, refused_warnings = _product_set_with_stock(
            client, shop=shop, build=build, location=location, variant_labels=[variant.label for variant in plan]
        )
    created = answered or {}
    warnings += stock_warnings + refused_warnings
    by_values = {variant.option_values: variant for variant in plan}
    mappings = []
    for node in (created.get("variants") or {}).get("nodes") or []:
        values = tuple(str(option.get("value")) for option in node.get("selectedOptions") or [])
        variant = by_values.get(values)
        if variant is not None and variant.dropi_variation_id:
            mappings.append((variant.dropi_variation_id, variant.label, str(node["id"]), str(node.get("title") or "")))
    association, was_created = product_association_upsert(
        shop=shop,
        product=product,
        shopify_product_id=str(created["id"]),
        shopify_title=str(created.get("title") or title),
        import_type=ProductAssociation.ImportType.CREATE,
        options=options,
        rule=rule,
        mappings=mappings,
    )
    logger.info("Imported a Dropi product as a new Shopify product", extra={"shop": shop, "dropi": product.id})
    return ImportResult(
        association=association,
        created=was_created,
        shopify_product_id=str(created["id"]),
        shopify_title=association.shopify_product_title or "",
        admin_url=shopify_admin_product_url(shop=shop, product_id=str(created["id"])),
        shopify_calls=client.calls,
        warnings=warnings,
    )


# --------------------------------------------------------------------------- link
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


def product_import_link(
    *,
    shop: str,
    dropi_product_id: str,
    shopify_product_id: str,
    variant_mappings: Any,
    options: ImportOptions,
    rule: PriceRule,
) -> ImportResult:
    """Link the Dropi product to an existing Shopify product: read it (``ProductGet``), then
    ONE ``productSet`` by id with the title, description, images (replaced, or appended to the
    existing ones), the prices/barcodes of the mapped variants as the options ask, and Dropi's
    stock for the mapped variants stocked at the shop's stock location. Two Shopify calls, plus
    the location lookup when it is not cached. Saves the association and the variant mappings
    afterwards (an existing pair is updated, never duplicated).

    ``productSet`` replaces the variant and media lists: every existing variant is sent from
    the read, and so are the existing media ids when images are appended.

    Nothing is saved, in Shopify or here, when the product was deleted, a mapping is foreign,
    or Shopify refuses (ShopifyRefused, field by field). A missing inventory permission or
    location only leaves the stock out (with a warning).
    """
    shopify_product_id = shopify_product_gid(shopify_product_id)
    product, _from_detail = dropi_product_get(shop=shop, product_id=dropi_product_id)
    client = shopify_admin_client(shop=shop)
    warnings: list[str] = []
    # Stock goes to the mapped variants (or the only variant, for a Dropi product without
    # variations). Shopify sets quantities of an existing variant only where it is already
    # stocked, so the location is needed before the read, which asks which variants are.
    location: StockLocation | None = None
    if variant_mappings or not product.variations:
        location, stock_warnings = _stock_location(shop=shop, client=client)
        warnings += stock_warnings
    shopify = shopify_product_get(shop=shop, product_id=shopify_product_id, client=client, stocked_at=location)
    mappings = _mappings_from_input(variant_mappings, product=product, shopify=shopify)

    data: dict[str, Any] = {}
    if options.save_name and product.name.strip():
        data["title"] = product.name.strip()[:MAX_TITLE_LENGTH]
    description = sanitize_description(product.description) if options.save_description else ""
    if description:
        data["descriptionHtml"] = description
    if options.save_images and product.images:
        new_files = _files(product)
        if options.replace_images:
            data["files"] = new_files
        else:
            if shopify.more_media:
                raise ApplicationError(
                    _("This Shopify product has more than 100 images; choose “replace images” or leave images out."),
                    field="replace_images",
                    code="too_many_media",
                )
            data["files"] = [{"id": media_id} for media_id in shopify.media_ids] + new_files
    elif options.save_images:
        warnings.append(_("This Dropi product has no images; the Shopify images were kept."))

    # Prices and barcodes: a Dropi product without variations sets every Shopify variant; a
    # product with variations sets the variants mapped to them.
    changes: dict[str, dict[str, Any]] = {}
    if rule.changes_prices or options.use_suggested_barcode:
        if product.variations:
            plan = {variant.dropi_variation_id: variant for variant in _plan_for_link(product, rule, options)}
            targets = [(variant_id, plan[variation_id]) for variation_id, _label, variant_id, _title in mappings]
            if not targets:
                warnings.append(_("No variant was mapped, so no price or barcode was changed."))
        else:
            single = _plan_for_link(product, rule, options)[0]
            targets = [(variant.id, single) for variant in shopify.variants]
        for variant_id, planned in targets:
            change: dict[str, Any] = {}
            if rule.changes_prices:
                change["price"] = str(planned.price)
            if options.use_suggested_barcode and planned.barcode:
                change["barcodes"] = [{"value": planned.barcode}]
            if change:
                changes[variant_id] = change
    if changes and shopify.more_variants:
        raise ApplicationError(
            _("This Shopify product has more than 250 variants; its prices cannot be changed from here."),
            field="price_rule.mode",
            code="too_many_variants",
        )
    stock = _link_stock(product, shopify, mappings, location, warnings) if location is not None else {}

    def build(stock_location: StockLocation | None) -> dict[str, Any] | None:
        input_data = dict(data)
        variant_stock = stock if stock_location is not None else {}
        if changes or variant_stock:
            # productSet replaces the variant list: every existing variant is listed (read just
            # before), the mapped ones with their new price, barcode and stock.
            input_data["productOptions"] = [
                {
                    "id": option.id,
                    "name": option.name,
                    "values": [{"id": value_id, "name": name} for value_id, name in option.values],
                }
                for option in shopify.options
            ]
            input_data["variants"] = [
                {
                    "id": variant.id,
                    "optionValues": [{"optionName": name, "name": value} for name, value in variant.options],
                    **changes.get(variant.id, {}),
                    **(_stock_input(stock_location, variant_stock[variant.id]) if variant.id in variant_stock else {}),
                }
                for variant in shopify.variants
            ]
        if not input_data:
            return None
        return {"identifier": {"id": shopify.id}, "input": input_data}

    with _ImportLock(shop, product.id):
        updated, refused_warnings = _product_set_with_stock(
            client,
            shop=shop,
            build=build,
            location=location if stock else None,
            variant_labels=[variant.title for variant in shopify.variants],
        )
    warnings += refused_warnings
    title = str((updated or {}).get("title") or shopify.title)
    association, was_created = product_association_upsert(
        shop=shop,
        product=product,
        shopify_product_id=shopify.id,
        shopify_title=title,
        import_type=ProductAssociation.ImportType.LINK,
        options=options,
        rule=rule,
        mappings=mappings,
    )
    logger.info("Linked a Dropi product to a Shopify product", extra={"shop": shop, "dropi": product.id})
    return ImportResult(
        association=association,
        created=was_created,
        shopify_product_id=shopify.id,
        shopify_title=title,
        admin_url=shopify_admin_product_url(shop=shop, product_id=shopify.id),
        shopify_calls=client.calls,
        warnings=warnings,
    )


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
