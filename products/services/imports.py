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
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from connector.selectors import shopify_session_has_scope
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError, ShopifyForbidden, ShopifyUserErrors
from connector.shopify.graphql import ShopifyAdminClient
from products.models import ProductAssociation
from products.pricing import PriceRule
from products.services.associations import product_association_upsert
from products.services.catalogue import dropi_product_get
from products.services.import_plan import (
    MAX_IMAGES,
    MAX_TITLE_LENGTH,
    STATUSES,
    ImportOptions,
    _files,
    _link_stock,
    _mappings_from_input,
    _plan_for_link,
    _product_options,
    _stock_input,
    _variant_input,
    sanitize_description,
    variant_plan,
)
from products.services.shopify_errors import (
    STOCK_FIELDS,
    ShopifyRefused,
    _permission_warning,
    _StockRefused,
    _user_errors,
)
from products.services.shopify_products import (
    StockLocation,
    shopify_admin_product_url,
    shopify_error_as_application_error,
    shopify_product_get,
    shopify_product_gid,
    shopify_stock_location_forget,
    shopify_stock_location_get,
)

logger = logging.getLogger(__name__)

IMPORT_LOCK_SECONDS = 120


@dataclass
class ImportResult:
    association: ProductAssociation
    created: bool
    shopify_product_id: str
    shopify_title: str
    admin_url: str
    shopify_calls: int
    warnings: list[str] = field(default_factory=list)


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
