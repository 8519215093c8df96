from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from connector.admin_tools import ConsoleModelAdmin, LargeTablePaginator, changelist_url, shop_links
from connector.validators import is_ascii_digits
from products.models import ProductAssociation, VariantMapping

SHOPIFY_PRODUCT_GID_PREFIX = "gid://shopify/Product/"
# Most associations a shop-domain search on variant mappings turns into an IN list.
SHOP_SEARCH_ASSOCIATION_LIMIT = 1000


def shopify_variant_url(association: ProductAssociation, variant_id: str) -> str:
    """The variant's page in Shopify Admin."""
    return (
        f"https://{association.shop}/admin/products/{association.shopify_product_numeric_id}"
        f"/variants/{variant_id.rsplit('/', 1)[-1]}"
    )


class VariantMappingInline(admin.TabularInline):
    model = VariantMapping
    extra = 0
    fields = (
        "dropi_variation_id",
        "dropi_variation_label",
        "shopify_variant_id",
        "shopify_variant_title",
        "shopify_variant_link",
    )
    readonly_fields = ("shopify_variant_link",)

    @admin.display(description=_("open in Shopify"))
    def shopify_variant_link(self, obj: VariantMapping) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            shopify_variant_url(obj.association, obj.shopify_variant_id),
            obj.shopify_variant_title or obj.shopify_variant_id,
        )


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
        "replace_images",
        "save_dropi_name",
        "save_dropi_description",
        "save_dropi_images",
        "use_suggested_barcode",
        "created_at",
    )
    # Only indexed columns, names by their beginning: a search stays an index look-up on millions of rows.
    search_fields = (
        "^shop",
        "=dropi_product_id",
        "=shopify_product_id",
        "^dropi_product_name",
        "^shopify_product_title",
    )
    search_as_one_phrase = True
    search_help_text = _(
        "Beginning of the shop domain, the Dropi product name or the Shopify product title "
        "(names match from their first letter: “Camiseta neg” finds “Camiseta negra”, “negra” does not); "
        "or an exact Dropi product id or Shopify product id (number or gid)."
    )
    date_hierarchy = "created_at"
    ordering = ("-id",)
    sortable_by = ("id", "created_at")
    paginator = LargeTablePaginator
    readonly_fields = ("related", "shopify_admin_link", "variant_mappings_link", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("shop", "related", "import_type")}),
        (_("Dropi"), {"fields": ("dropi_product_id", "dropi_product_name", "dropi_variations")}),
        (
            _("Shopify"),
            {"fields": ("shopify_product_id", "shopify_product_title", "shopify_admin_link", "variant_mappings_link")},
        ),
        (
            _("Sync options"),
            {
                "fields": (
                    "save_dropi_name",
                    "save_dropi_description",
                    "save_dropi_images",
                    "replace_images",
                    "use_suggested_barcode",
                    "price_rule",
                    "custom_price",
                )
            },
        ),
        (_("Timestamps"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [VariantMappingInline]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if is_ascii_digits(term):
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

    @admin.display(description=_("variant mappings"))
    def variant_mappings_link(self, obj: ProductAssociation) -> str:
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', changelist_url(VariantMapping, association=str(obj.pk)), _("List"))


@admin.register(VariantMapping)
class VariantMappingAdmin(ConsoleModelAdmin):
    list_display = (
        "id",
        "association_link",
        "association_shop",
        "dropi_variation_id",
        "dropi_variation_label",
        "shopify_variant",
        "updated_at",
    )
    list_select_related = ("association",)
    # The shop domain (by its beginning) is searched in get_search_results.
    search_fields = (
        "=dropi_variation_id",
        "=shopify_variant_id",
        "^dropi_variation_label",
        "^shopify_variant_title",
    )
    search_as_one_phrase = True
    search_help_text = _(
        "Beginning of the shop domain, the Dropi variation or the Shopify variant title "
        "(names match from their first letter: “Negro / M” finds “Negro / M / Algodón”); "
        "or an exact Dropi variation id or Shopify variant id (gid)."
    )
    list_filter = ("created_at",)
    date_hierarchy = "created_at"
    raw_id_fields = ("association",)
    ordering = ("-id",)
    sortable_by = ("id",)
    paginator = LargeTablePaginator
    readonly_fields = ("created_at", "updated_at")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term or " " in term:
            return results, may_have_duplicates  # a shop domain has no spaces
        # The shop's associations first, then an IN list on the indexed association_id: an OR
        # across the join would read a whole table, while this keeps every branch of the search
        # an index look-up (MySQL merges them). A prefix that matches too many associations
        # falls back to the join.
        association_ids = list(
            ProductAssociation.objects.filter(shop__istartswith=term)
            .order_by()
            .values_list("id", flat=True)[: SHOP_SEARCH_ASSOCIATION_LIMIT + 1]
        )
        if len(association_ids) > SHOP_SEARCH_ASSOCIATION_LIMIT:
            return results | queryset.filter(association__shop__istartswith=term), may_have_duplicates
        if association_ids:
            results |= queryset.filter(association_id__in=association_ids)
        return results, may_have_duplicates

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The shop's mappings and an association's mappings are linked from the console.
        if lookup in ("association__shop", "association", "association__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("association"))
    def association_link(self, obj: VariantMapping) -> str:
        association = obj.association
        return format_html(
            '<a href="{}">{} → {}</a>',
            reverse("admin:products_productassociation_change", args=[association.pk]),
            association.dropi_product_name or association.dropi_product_id,
            association.shopify_product_title or association.shopify_product_id,
        )

    @admin.display(description=_("shop"))
    def association_shop(self, obj: VariantMapping) -> str:
        shop = obj.association.shop
        return format_html('<a href="{}">{}</a>', changelist_url(VariantMapping, association__shop=shop), shop)

    @admin.display(description=_("Shopify variant"))
    def shopify_variant(self, obj: VariantMapping) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            shopify_variant_url(obj.association, obj.shopify_variant_id),
            obj.shopify_variant_title or obj.shopify_variant_id,
        )
