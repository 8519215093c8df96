"""Use cases for a shop's product associations.

Owns: saving an association with its variant mappings once Shopify accepted an import, and
removing one (with its variant mappings; only this app's record goes: the Shopify product is
left as it is). Ownership is part of every look-up. Must not call a vendor: an association
is saved after Shopify answered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from connector.dropi.client import DropiProduct
from connector.errors import ApplicationError
from products.models import ProductAssociation, VariantMapping
from products.pricing import PriceRule
from products.services.import_plan import ImportOptions, MappedVariant

logger = logging.getLogger(__name__)


def product_association_delete(*, shop: str, association_id: int) -> None:
    """Delete the shop's association ``association_id`` with its variant mappings.

    Raises ApplicationError 404 when the shop has no such association (another shop's id
    included: its existence is not revealed).
    """
    deleted, _by_model = ProductAssociation.objects.filter(shop=shop, pk=association_id).delete()
    if not deleted:
        raise ApplicationError(_("Association not found."), code="not_found", status=404)
    logger.info("Deleted a product association", extra={"shop": shop, "association": association_id})


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
    mappings: Sequence[MappedVariant],
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
