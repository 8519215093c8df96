from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from connector.admin_tools import ConsoleModelAdmin, LargeTablePaginator, shop_links
from products.models import ProductAssociation, VariantMapping

SHOPIFY_PRODUCT_GID_PREFIX = "gid://shopify/Product/"


class VariantMappingInline(admin.TabularInline):
    model = VariantMapping
    extra = 0
    fields = ("dropi_variation_id", "dropi_variation_label", "shopify_variant_id", "shopify_variant_title")


@admin.register(ProductAssociation)
class ProductAssociationAdmin(ConsoleModelAdmin):
    list_display = (
        "id",
        "shop_link",
        "dropi_product_id",
        "dropi_product_name",
        "shopify_product",
        "import_type",
        "created_at",
    )
    list_filter = (
        "import_type",
        "save_dropi_name",
        "save_dropi_description",
        "save_dropi_images",
        "use_suggested_barcode",
        "created_at",
    )
    # Only indexed columns: a search stays an index look-up on millions of rows.
    search_fields = ("^shop", "=dropi_product_id", "=shopify_product_id")
    search_help_text = _("Shop domain (or its beginning), Dropi product id, or Shopify product id (number or gid).")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    sortable_by = ("id", "created_at")
    paginator = LargeTablePaginator
    readonly_fields = ("related", "shopify_admin_link", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("shop", "related", "import_type")}),
        (_("Dropi"), {"fields": ("dropi_product_id", "dropi_product_name", "dropi_variations")}),
        (_("Shopify"), {"fields": ("shopify_product_id", "shopify_product_title", "shopify_admin_link")}),
        (
            _("Sync options"),
            {
                "fields": (
                    "save_dropi_name",
                    "save_dropi_description",
                    "save_dropi_images",
                    "use_suggested_barcode",
                    "custom_price",
                )
            },
        ),
        (_("Timestamps"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [VariantMappingInline]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if term.isdigit():
            # A bare Shopify number matches its GID too.
            queryset_for_gid = queryset.filter(shopify_product_id=f"{SHOPIFY_PRODUCT_GID_PREFIX}{term}")
            results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
            return results | queryset_for_gid, may_have_duplicates
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("Shopify product"))
    def shopify_product(self, obj: ProductAssociation) -> str:
        return format_html(
            '<a href="https://{}/admin/products/{}" target="_blank" rel="noopener">{}</a>',
            obj.shop,
            obj.shopify_product_numeric_id,
            obj.shopify_product_title or obj.shopify_product_id,
        )

    @admin.display(description=_("open in Shopify"))
    def shopify_admin_link(self, obj: ProductAssociation) -> str:
        if not obj.pk:
            return "—"
        return self.shopify_product(obj)

    @admin.display(description=_("related"))
    def related(self, obj: ProductAssociation) -> str:
        return shop_links(obj.shop) if obj.shop else "—"


@admin.register(VariantMapping)
class VariantMappingAdmin(ConsoleModelAdmin):
    list_display = ("id", "association", "association_shop", "dropi_variation_id", "shopify_variant_id", "updated_at")
    list_select_related = ("association",)
    search_fields = ("=dropi_variation_id", "=shopify_variant_id", "^association__shop")
    list_filter = ("created_at",)
    raw_id_fields = ("association",)
    ordering = ("-id",)
    sortable_by = ("id",)
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description=_("shop"))
    def association_shop(self, obj: VariantMapping) -> Any:
        return obj.association.shop
