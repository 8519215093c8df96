"""The preview of an import: what it would send, with prices under the chosen rule.

Owns: reading the Dropi product (cached) and describing the import; never calls Shopify.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from connector.errors import ApplicationError
from products.models import ProductAssociation
from products.pricing import PriceRule
from products.services.catalogue import dropi_product_get
from products.services.import_plan import MAX_IMAGES, PlannedVariant, sanitize_description, suggested_code, variant_plan
from products.services.picker import shopify_admin_product_url
from shops.services import dropi_access_get


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _existing(*, shop: str, dropi_product_id: str) -> list[dict[str, Any]]:
    """The shop's newest associations of the Dropi product (at most five), each with its variant
    mappings: the dialog updates the linked product with them by default."""
    associations = (
        ProductAssociation.objects.filter(shop=shop, dropi_product_id=dropi_product_id)
        .prefetch_related("variant_mappings")
        .order_by("-id")[:5]
    )
    return [
        {
            "id": association.pk,
            "shopify_product_id": association.shopify_product_id,
            "shopify_title": association.shopify_product_title or "",
            "admin_url": shopify_admin_product_url(shop=shop, product_id=association.shopify_product_id),
            "mappings": {
                mapping.dropi_variation_id: mapping.shopify_variant_id for mapping in association.variant_mappings.all()
            },
        }
        for association in associations
    ]


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
        "existing": _existing(shop=shop, dropi_product_id=product.id),
        "warnings": warnings,
    }
