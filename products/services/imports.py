"""Use cases for bringing a Dropi product into Shopify: create a new product, or link an
existing one, and remember the association (with its variant mappings).

Owns: the orchestration of an import, in the same steps for both: read (the Dropi product,
the stock location, for a link the Shopify product), plan (``import_plan`` / ``link_plan``:
pure), build the input (``import_input``: pure), one ``productSet`` (``connector.shopify``),
then save the association only after Shopify accepted the change. One import of a Dropi
product at a time per shop, in every process (``import_lock``).

Shopify calls per import, by design:
- create: one ``productSet`` (title, description, images, options, variants with tracked
  inventory and their stock, status), then, unless the merchant unticked every sales channel,
  ``PublicationsList`` and one ``publishablePublish`` (``publishing``: a product created through
  the API is on no sales channel);
- link (its sales channels left as they are): ``ProductGet`` (does the product still exist;
  its options, variants and media, and which variants are stocked at the stock location)
  then one ``productSet`` by id.
  ``productUpdate`` can append media but cannot remove it nor change variant prices, barcodes
  and stock, which would take more mutations (``fileUpdate``, ``productVariantsBulkUpdate``,
  ``inventorySetQuantities``) and leave a half-changed product when one of them fails.
  ``productSet`` changes title, description, images (replacing the list, or keeping the
  existing ids read a moment before) and the variants in one mutation, checked as a whole.
- plus one ``LocationPrimary`` query when the shop's stock location is not cached (see
  ``stock_location_get``), and one more ``productSet`` without the stock when Shopify
  refuses only the stock (permission missing, location gone): the product is then saved
  without stock and the merchant is told so. A refused ``productSet`` changed nothing.

Must not hold a transaction across a vendor call; must not log descriptions or tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from connector.dropi.client import DropiProduct
from connector.errors import ApplicationError
from connector.limits import lock_acquire, lock_release
from connector.sessions import shopify_admin_client
from connector.shopify.errors import ShopifyError, ShopifyForbidden, ShopifyNoResult, ShopifyUserErrors
from connector.shopify.graphql import ShopifyAdminClient
from connector.shopify.product_set import (
    ProductSetInput,
    SavedProduct,
    product_set,
    product_set_refused_missing_product,
    product_set_refused_only_stock,
)
from products.models import ProductAssociation
from products.pricing import PriceRule
from products.services.associations import product_association_upsert
from products.services.catalogue import dropi_product_get
from products.services.import_input import create_input, link_input
from products.services.import_plan import STATUSES, ImportOptions, create_plan, created_variant_mappings
from products.services.link_plan import link_needs_stock_location, link_plan
from products.services.picker import shopify_admin_product_url, shopify_product_get, shopify_product_gid
from products.services.publishing import PublishChoice, product_publish
from products.services.shopify_errors import (
    PRODUCT_MISSING,
    ShopifyRefused,
    StockRefused,
    permission_warning,
    shopify_error_as_product_error,
    user_errors_labelled,
)
from products.services.stock_location import StockLocation, stock_location_for_import, stock_location_forget

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
    published_to: tuple[str, ...] = ()  # the sales channels a created product was put on


@contextmanager
def import_lock(*, shop: str, dropi_product_id: str) -> Iterator[None]:
    """One import of a Dropi product at a time per shop, in every process, from reading Dropi to
    saving the association: a double click must not create two products. Raises
    ApplicationError (409) while another import of the product runs."""
    lock = lock_acquire(scope="products-import", key=f"{shop}:{dropi_product_id.strip()}", seconds=IMPORT_LOCK_SECONDS)
    if lock is None:
        raise ApplicationError(
            _("This product is already being imported. Wait a moment."), code="import_in_progress", status=409
        )
    try:
        yield
    finally:
        lock_release(lock)


# --------------------------------------------------------------------------- productSet
def _product_set(
    client: ShopifyAdminClient, *, product_id: str | None, product: ProductSetInput, variant_labels: list[str]
) -> SavedProduct:
    """One ``productSet``, its failures in the merchant's words. Raises StockRefused when
    Shopify refused only the stock (nothing changed), ShopifyRefused (field by field) or
    ApplicationError."""
    try:
        return product_set(client, product=product, product_id=product_id)
    except ShopifyUserErrors as error:
        if product_set_refused_missing_product(error):
            raise PRODUCT_MISSING.error() from error
        if product.has_stock and product_set_refused_only_stock(error):
            reason = "; ".join(user_error.message for user_error in error.user_errors)
            raise StockRefused(
                _("Shopify did not accept the stock (%(reason)s), so the product was saved without it.")
                % {"reason": reason}
            ) from error
        raise ShopifyRefused(user_errors_labelled(error, variant_labels=variant_labels)) from error
    except ShopifyForbidden as error:
        # The stock fields need write_inventory; without it Shopify refuses the whole call.
        if product.has_stock:
            raise StockRefused(permission_warning()) from error
        raise shopify_error_as_product_error(error) from error
    except ShopifyError as error:
        raise shopify_error_as_product_error(error) from error


def _product_set_or_without_stock(
    client: ShopifyAdminClient,
    *,
    shop: str,
    product_id: str | None,
    wanted: ProductSetInput,
    without_stock: ProductSetInput,
    variant_labels: list[str],
) -> tuple[SavedProduct | None, list[str]]:
    """Run ``productSet`` with ``wanted`` (empty: no call). When Shopify refuses only its stock,
    forget the cached stock location and run ``without_stock`` (empty: no call); the warning
    says so. Returns the product Shopify answered and the warnings."""
    if wanted.is_empty:
        return None, []
    try:
        saved = _product_set(client, product_id=product_id, product=wanted, variant_labels=variant_labels)
        return saved, []
    except StockRefused as refused:
        logger.info("Shopify refused the stock; saving without it", extra={"shop": shop})
        stock_location_forget(shop=shop)
        warning = refused.warning
    if without_stock.is_empty:
        return None, [warning]
    saved = _product_set(client, product_id=product_id, product=without_stock, variant_labels=variant_labels)
    return saved, [warning]


# --------------------------------------------------------------------------- create
def _refuse_a_second_copy(*, shop: str, product: DropiProduct) -> None:
    """ApplicationError 409 ``already_imported`` when the shop already has the Dropi product."""
    existing = ProductAssociation.objects.filter(shop=shop, dropi_product_id=product.id).order_by("-id").first()
    if existing is not None:
        raise ApplicationError(
            _(
                "This Dropi product is already in Shopify as “%(title)s”. Update that product, or confirm that "
                "you want a second copy."
            )
            % {"title": existing.shopify_product_title or product.name},
            code="already_imported",
            status=409,
        )


def product_import_create(
    *,
    shop: str,
    dropi_product_id: str,
    options: ImportOptions,
    rule: PriceRule,
    allow_duplicate: bool = False,
    publish: PublishChoice | None = None,
) -> ImportResult:
    """Create a Shopify product from the Dropi product with ONE ``productSet`` call (variants
    tracked, Dropi's stock available at the shop's stock location; the location lookup before
    it when not cached), then save the association and the variant mappings (matched by option
    values).

    A Dropi product the shop already imported is created again only with ``allow_duplicate``
    (ApplicationError 409 ``already_imported`` otherwise, before any Shopify call). Without the
    inventory permission or an active location the product is created without stock and a
    warning says so. Then the product is published as ``publish`` asks (default: the Online
    Store; ``publishing``): a channel that cannot be reached only adds a warning. Nothing is
    saved when Shopify refuses (ShopifyRefused, field by field) or fails (ApplicationError).
    Raises ApplicationError for Dropi problems and invalid input.
    """
    if options.status not in STATUSES:
        raise ApplicationError(_("Choose draft or active."), field="status", code="invalid")
    with import_lock(shop=shop, dropi_product_id=dropi_product_id):
        result = _import_create(
            shop=shop, dropi_product_id=dropi_product_id, options=options, rule=rule, allow_duplicate=allow_duplicate
        )
    return _published(shop=shop, result=result, choice=publish if publish is not None else PublishChoice())


def _published(*, shop: str, result: ImportResult, choice: PublishChoice) -> ImportResult:
    """``result`` once the new product is published as ``choice`` asks (after the association is
    saved, so a failure here never loses the product)."""
    client = shopify_admin_client(shop=shop)
    published = product_publish(shop=shop, client=client, product_id=result.shopify_product_id, choice=choice)
    result.published_to = published.names
    result.warnings = [*result.warnings, *published.warnings]
    result.shopify_calls += client.calls
    return result


def _import_create(
    *, shop: str, dropi_product_id: str, options: ImportOptions, rule: PriceRule, allow_duplicate: bool
) -> ImportResult:
    product, _from_detail = dropi_product_get(shop=shop, product_id=dropi_product_id)
    plan = create_plan(product, options=options, rule=rule)
    client = shopify_admin_client(shop=shop)
    if not allow_duplicate:
        _refuse_a_second_copy(shop=shop, product=product)
    location, location_warnings = stock_location_for_import(shop=shop, client=client)
    saved, refused_warnings = _product_set_or_without_stock(
        client,
        shop=shop,
        product_id=None,
        wanted=create_input(plan, location=location),
        without_stock=create_input(plan, location=None),
        variant_labels=[variant.label for variant in plan.variants],
    )
    if saved is None:  # a new product's input is never empty; kept for the type's sake
        raise shopify_error_as_product_error(ShopifyNoResult("productSet was not called"))
    association, was_created = product_association_upsert(
        shop=shop,
        product=product,
        shopify_product_id=saved.id,
        shopify_title=saved.title or plan.title,
        import_type=ProductAssociation.ImportType.CREATE,
        options=options,
        rule=rule,
        mappings=created_variant_mappings(plan, saved),
    )
    logger.info("Imported a Dropi product as a new Shopify product", extra={"shop": shop, "dropi": product.id})
    return ImportResult(
        association=association,
        created=was_created,
        shopify_product_id=saved.id,
        shopify_title=association.shopify_product_title or "",
        admin_url=shopify_admin_product_url(shop=shop, product_id=saved.id),
        shopify_calls=client.calls,
        warnings=[*plan.warnings, *location_warnings, *refused_warnings],
    )


# --------------------------------------------------------------------------- link
def _link_stock_location(
    *, shop: str, client: ShopifyAdminClient, product: DropiProduct, mappings: Any
) -> tuple[StockLocation | None, list[str]]:
    if not link_needs_stock_location(product, mappings):
        return None, []
    return stock_location_for_import(shop=shop, client=client)


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
    stock for the mapped variants stocked at the shop's stock location (looked up first when
    not cached); no ``productSet`` when nothing is to change. Then saves the association and
    its variant mappings (an existing pair is updated, never duplicated).

    Nothing is saved, in Shopify or here, when the product was deleted, a mapping is foreign,
    or Shopify refuses (ShopifyRefused). A missing inventory permission or location only
    leaves the stock out (with a warning).
    """
    with import_lock(shop=shop, dropi_product_id=dropi_product_id):
        return _import_link(
            shop=shop,
            dropi_product_id=dropi_product_id,
            shopify_product_id=shopify_product_id,
            variant_mappings=variant_mappings,
            options=options,
            rule=rule,
        )


def _import_link(
    *,
    shop: str,
    dropi_product_id: str,
    shopify_product_id: str,
    variant_mappings: Any,
    options: ImportOptions,
    rule: PriceRule,
) -> ImportResult:
    shopify_product_id = shopify_product_gid(shopify_product_id)
    product, _from_detail = dropi_product_get(shop=shop, product_id=dropi_product_id)
    client = shopify_admin_client(shop=shop)
    location, location_warnings = _link_stock_location(
        shop=shop, client=client, product=product, mappings=variant_mappings
    )
    shopify = shopify_product_get(shop=shop, product_id=shopify_product_id, client=client, stocked_at=location)
    plan = link_plan(
        product, shopify=shopify, requested_mappings=variant_mappings, options=options, rule=rule, location=location
    )
    saved, refused_warnings = _product_set_or_without_stock(
        client,
        shop=shop,
        product_id=shopify.id,
        wanted=link_input(plan, with_stock=True),
        without_stock=link_input(plan, with_stock=False),
        variant_labels=[variant.title for variant in shopify.variants],
    )
    title = saved.title if saved is not None and saved.title else shopify.title
    association, was_created = product_association_upsert(
        shop=shop,
        product=product,
        shopify_product_id=shopify.id,
        shopify_title=title,
        import_type=ProductAssociation.ImportType.LINK,
        options=options,
        rule=rule,
        mappings=plan.mappings,
    )
    logger.info("Linked a Dropi product to a Shopify product", extra={"shop": shop, "dropi": product.id})
    return ImportResult(
        association=association,
        created=was_created,
        shopify_product_id=shopify.id,
        shopify_title=title,
        admin_url=shopify_admin_product_url(shop=shop, product_id=shopify.id),
        shopify_calls=client.calls,
        warnings=[*location_warnings, *plan.warnings, *refused_warnings],
    )
