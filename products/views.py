"""Embedded pages of the products app — Productos (Dropi catalogue, import dialog,
Sincronizados) — and their JSON endpoints. Views parse, call a service and answer; the page
itself never calls Dropi or Shopify (its data comes through the endpoints; only the shop's time
zone is read once, when it is not known yet)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from connector.dropi.client import DropiProduct
from connector.embedded import EmbeddedHttpRequest, api_error, embedded_context, embedded_view, read_json
from connector.errors import ApplicationError
from connector.validators import parse_ascii_int
from products import selectors, services
from products.currencies import rounding_endings
from products.labels import page_labels
from products.models import ProductAssociation
from products.pricing import price_rule_from_input
from products.services import ImportOptions
from shops.selectors import shop_configuration_get
from shops.services import dropi_is_configured, shop_time_zone_get

IMPORT_BODY_LIMIT = 256 * 1024
# Larger page numbers are answered with the first page (no catalogue has a million pages).
MAX_PAGE = 999_999


def _int_param(request: HttpRequest, name: str, default: int = 1) -> int:
    return parse_ascii_int(request.GET.get(name), maximum=MAX_PAGE) or default


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _product_json(product: DropiProduct, imported: selectors.ImportedAs | None) -> dict[str, Any]:
    sale, suggested, price_from = product.sale_price, product.suggested_price, False
    if sale is None and product.variations:
        prices = [variation.sale_price for variation in product.variations if variation.sale_price is not None]
        suggestions = [variation.suggested_price for variation in product.variations if variation.suggested_price]
        sale = min(prices) if prices else None
        suggested = min(suggestions) if suggestions else None
        price_from = len(set(prices)) > 1
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "type": product.type,
        "categories": list(product.categories),
        "image": product.images[0] if product.images else None,
        "sale_price": _money(sale),
        "suggested_price": _money(suggested),
        "price_from": price_from,
        "stock": product.stock,
        "warehouses": list(product.warehouses),
        "variations": len(product.variations),
        "private": product.private,
        # Already in Shopify: the newest association (the import dialog updates it by default).
        "imported": {**_association_json(imported.latest), "count": imported.count} if imported else None,
    }


def _association_json(association: ProductAssociation) -> dict[str, Any]:
    return {
        "id": association.pk,
        "dropi_product_id": association.dropi_product_id,
        "dropi_product_name": association.dropi_product_name or "",
        "shopify_product_id": association.shopify_product_id,
        "shopify_product_title": association.shopify_product_title or "",
        "import_type": association.import_type,
        "import_type_label": association.get_import_type_display(),
        "mapping_count": getattr(association, "mapping_count", None),
        "options": {
            "save_name": association.save_dropi_name,
            "save_description": association.save_dropi_description,
            "save_images": association.save_dropi_images,
            "replace_images": association.replace_images,
            "use_suggested_barcode": association.use_suggested_barcode,
        },
        "price_rule": association.price_rule,
        "admin_url": services.shopify_admin_product_url(
            shop=association.shop, product_id=association.shopify_product_id
        ),
        "updated_at": association.updated_at.isoformat() if association.updated_at else None,
    }


def _roundings(currency: str | None) -> list[dict[str, str]]:
    """The price rule's rounding choices that fit ``currency`` (the page's select)."""
    return [
        {"value": "none", "label": _("No rounding")},
        *({"value": ending.value, "label": str(ending.label)} for ending in rounding_endings(currency)),
    ]


def _currency(shop: str) -> str | None:
    """The shop's currency; while Shopify cannot say, the one of its Dropi country."""
    configuration = shop_configuration_get(shop=shop)
    return services.shop_currency_get(shop=shop) or services.dropi_currency(
        configuration.dropi_country if configuration else None
    )


# --------------------------------------------------------------------------- page
@embedded_view
@require_GET
def index(request: EmbeddedHttpRequest) -> HttpResponse:
    """Productos: browse the Dropi catalogue, import, and the synchronised products."""
    configuration = shop_configuration_get(shop=request.shop)
    tab = "synced" if request.GET.get("tab") == "synced" else "products"
    return render(
        request,
        "products/index.html",
        {
            **embedded_context(request, time_zone=shop_time_zone_get(shop=request.shop)),
            "active": "products",
            "tab": tab,
            "dropi_configured": dropi_is_configured(configuration),
            "synced_count": selectors.product_association_count(shop=request.shop),
            "page_size": services.PAGE_SIZE,
            "dropi_currency": services.dropi_currency(configuration.dropi_country if configuration else None) or "",
            "labels": page_labels(),
            "skeleton_rows": range(services.PAGE_SIZE),
        },
    )


# --------------------------------------------------------------------------- Dropi catalogue
@embedded_view
@require_GET
def api_dropi_products(request: EmbeddedHttpRequest) -> JsonResponse:
    """A page of the Dropi catalogue: ``?q=`` searches by id or name, ``?private=1`` shows the
    private products instead of the favourites, ``?page=``."""
    keywords = request.GET.get("q", "")
    try:
        page = services.dropi_products_list(
            shop=request.shop,
            page=_int_param(request, "page"),
            keywords=keywords,
            private=request.GET.get("private") == "1",
        )
    except ApplicationError as error:
        return api_error(error)
    start = (page.page - 1) * page.page_size
    mode = "search" if keywords.strip() else ("private" if request.GET.get("private") == "1" else "favorites")
    imported = selectors.product_association_imported(
        shop=request.shop, dropi_product_ids=[product.id for product in page.products]
    )
    currency = _currency(request.shop)
    return JsonResponse(
        {
            "products": [_product_json(product, imported.get(product.id)) for product in page.products],
            "mode": mode,
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "page_size": page.page_size,
            "start": start + 1 if page.products else 0,
            "end": start + len(page.products),
            "currency": currency,
            "roundings": _roundings(currency),
            "cached": page.cached,
        }
    )


@embedded_view
@require_POST
def api_dropi_product_preview(request: EmbeddedHttpRequest, product_id: str) -> JsonResponse:
    """What importing the product would send, with prices under the posted rule."""
    try:
        body = read_json(request)
        mode = "link" if body.get("mode") == "link" else "create"
        rule = price_rule_from_input(body.get("price_rule"), allow_keep=mode == "link")
        preview = services.product_import_preview(shop=request.shop, dropi_product_id=product_id, rule=rule)
    except ApplicationError as error:
        return api_error(error)
    currency = _currency(request.shop)
    dropi_currency = services.dropi_currency(preview["country"])
    return JsonResponse(
        {
            **preview,
            "currency": currency,
            "roundings": _roundings(currency),
            "dropi_currency": dropi_currency,
            "currency_differs": bool(currency and dropi_currency and currency != dropi_currency),
        }
    )


# --------------------------------------------------------------------------- Shopify picker
@embedded_view
@require_GET
def api_shopify_products(request: EmbeddedHttpRequest) -> JsonResponse:
    """A page of the shop's Shopify products (``?q=``, ``?after=`` / ``?before=`` cursors)."""
    try:
        products, page_info = services.shopify_products_search(
            shop=request.shop,
            query=request.GET.get("q", ""),
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
        )
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse({"products": products, "page_info": page_info})


@embedded_view
@require_GET
def api_shopify_product(request: EmbeddedHttpRequest, product_id: int) -> JsonResponse:
    """One Shopify product with its variants, for the variant mapping table."""
    try:
        product = services.shopify_product_get(shop=request.shop, product_id=str(product_id))
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse(
        {
            "product": {
                "id": product.id,
                "title": product.title,
                "status": product.status,
                "image_url": product.image_url,
                "media_count": len(product.media_ids),
                "more_variants": product.more_variants,
                "variants": [
                    {
                        "id": variant.id,
                        "title": variant.title,
                        "sku": variant.sku,
                        "price": variant.price,
                        "barcode": variant.barcode,
                    }
                    for variant in product.variants
                ],
            }
        }
    )


@embedded_view
@require_GET
def api_shopify_publications(request: EmbeddedHttpRequest) -> JsonResponse:
    """The shop's sales channels for the import dialog: the Online Store and the others; without
    the permission (or when Shopify fails) ``message`` says so and the lists are empty."""
    channels = services.shop_channels(shop=request.shop)
    online = channels.online_store
    return JsonResponse(
        {
            "online_store": {"id": online.id, "name": online.name} if online else None,
            "others": [{"id": publication.id, "name": publication.name} for publication in channels.others],
            "scope_missing": channels.scope_missing,
            "message": channels.problem,
        }
    )


# --------------------------------------------------------------------------- import
def _flag(options: dict[str, Any], name: str, default: bool) -> bool:
    value = options.get(name, default)
    return value if isinstance(value, bool) else default


def _import_message(mode: str, result: services.ImportResult) -> str:
    if mode == "create" and result.published_to:
        return _("Product created in Shopify and put on sale in: %(channels)s.") % {
            "channels": ", ".join(result.published_to)
        }
    if mode == "create":
        return _("Product created in Shopify.")
    if result.created:
        return _("Product synchronised.")
    return _("The existing association was updated.")


@embedded_view
@require_POST
def api_products_import(request: EmbeddedHttpRequest) -> JsonResponse:
    """Import a Dropi product: ``mode`` "create" (new Shopify product) or "link" (existing one).

    A Dropi product the shop already has in Shopify is created again only with
    ``allow_duplicate: true`` (409 ``already_imported`` otherwise)."""
    try:
        body = read_json(request, limit=IMPORT_BODY_LIMIT)
        mode = body.get("mode")
        if mode not in ("create", "link"):
            raise ApplicationError(_("Choose how to import the product."), field="mode", code="invalid")
        raw_options = body["options"] if isinstance(body.get("options"), dict) else {}
        options = ImportOptions(
            save_name=_flag(raw_options, "save_name", True),
            save_description=_flag(raw_options, "save_description", True),
            save_images=_flag(raw_options, "save_images", True),
            replace_images=_flag(raw_options, "replace_images", False),
            use_suggested_barcode=_flag(raw_options, "use_suggested_barcode", False),
            status=str(body.get("status") or "DRAFT").upper(),
        )
        rule = price_rule_from_input(body.get("price_rule"), allow_keep=mode == "link")
        dropi_product_id = str(body.get("dropi_product_id") or "")
        if mode == "create":
            result = services.product_import_create(
                shop=request.shop,
                dropi_product_id=dropi_product_id,
                options=options,
                rule=rule,
                allow_duplicate=body.get("allow_duplicate") is True,
                publish=services.publish_choice_from_input(body.get("publish")),
            )
        else:
            result = services.product_import_link(
                shop=request.shop,
                dropi_product_id=dropi_product_id,
                shopify_product_id=str(body.get("shopify_product_id") or ""),
                variant_mappings=body.get("variant_mappings"),
                options=options,
                rule=rule,
            )
    except ApplicationError as error:
        return api_error(error)
    association = result.association
    return JsonResponse(
        {
            "message": _import_message(mode, result),
            "created": result.created,
            "association": {**_association_json(association), "mapping_count": association.variant_mappings.count()},
            "shopify_product_id": result.shopify_product_id,
            "shopify_title": result.shopify_title,
            "admin_url": result.admin_url,
            "shopify_calls": result.shopify_calls,
            "warnings": result.warnings,
            "published_to": list(result.published_to),
            "synced_count": selectors.product_association_count(shop=request.shop),
        }
    )


# --------------------------------------------------------------------------- Sincronizados
@embedded_view
@require_GET
def api_associations(request: EmbeddedHttpRequest) -> JsonResponse:
    """A page of the shop's associations (``?q=`` name or id, ``?page=``)."""
    page = selectors.product_association_list_for_shop(
        shop=request.shop, query=request.GET.get("q", ""), page=_int_param(request, "page")
    )
    return JsonResponse(
        {
            "associations": [_association_json(association) for association in page.associations],
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "page_size": page.page_size,
            "synced_count": selectors.product_association_count(shop=request.shop),
        }
    )


@embedded_view
@require_POST
def api_association_delete(request: EmbeddedHttpRequest, association_id: int) -> JsonResponse:
    """Forget an association (the Shopify product is not touched); another shop's id is 404."""
    try:
        services.product_association_delete(shop=request.shop, association_id=association_id)
    except ApplicationError as error:
        return api_error(error)
    return JsonResponse(
        {
            "message": _("Association deleted."),
            "association_id": association_id,
            "synced_count": selectors.product_association_count(shop=request.shop),
        }
    )
