"""Admin of the Dropi orders (with their history) and of the department table staff keep.

Registered by ``shops.admin`` (imported there, so Django's admin discovery finds it). Orders
are shown, searched and filtered; their placement columns are the worker's and stay read-only;
the "Retry placement" action runs the merchant's "Reintentar". Secrets (the buyer's phone and
e-mail, encrypted) show as a status only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from connector.admin_tools import ConsoleModelAdmin, LargeTablePaginator
from connector.errors import ApplicationError
from connector.secrets import secret_display
from shops.models import DropiDepartment, DropiOrder, DropiOrderEvent
from shops.services.dropi_order_events import Actor
from shops.services.dropi_orders import dropi_order_retry


class DropiOrderEventInline(admin.TabularInline[DropiOrderEvent, DropiOrder]):
    model = DropiOrderEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "detail", "action_id")
    readonly_fields = fields
    ordering = ("id",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DropiOrder)
class DropiOrderAdmin(ConsoleModelAdmin):
    list_display = (
        "id",
        "shop_link",
        "order_name",
        "mode",
        "state",
        "dropi_order_id",
        "error_code",
        "unresolved_count",
        "attempts",
        "created_at",
    )
    list_filter = ("state", "mode", "error_code", "needs_lookup", "dropi_cancel_required", "created_at")
    search_fields = ("^shop", "=order_name", "=shopify_order_id", "=dropi_order_id")
    search_help_text = _("Shop domain (or its beginning), order name (#1014), Shopify order id or Dropi order id.")
    date_hierarchy = "created_at"
    ordering = ("-id",)
    sortable_by = ("id", "created_at")
    paginator = LargeTablePaginator
    readonly_fields = (
        "shop",
        "shopify_order_id",
        "order_name",
        "mode",
        "state",
        "lines",
        "unresolved_lines",
        "unresolved_count",
        "phone_status",
        "email_status",
        "customer_id",
        "total",
        "currency",
        "gateway",
        "cash_on_delivery",
        "confirmed_at",
        "cancelled_at",
        "dropi_cancel_required",
        "shopify_cancelled_at",
        "needs_lookup",
        "error_code",
        "last_error",
        "attempts",
        "next_attempt_at",
        "dropi_order_id",
        "dropi_status",
        "placed_at",
        "shopify_tagged_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("shop", "shopify_order_id", "order_name", "mode", "state", "error_code", "last_error")}),
        (_("Lines"), {"fields": ("lines", "unresolved_lines", "unresolved_count")}),
        (
            _("Buyer"),
            {"fields": ("address", "note", "phone_status", "email_status", "customer_id", "total", "currency")},
        ),
        (_("Payment"), {"fields": ("gateway", "cash_on_delivery")}),
        (
            _("Bot actions"),
            {"fields": ("confirmed_at", "cancelled_at", "dropi_cancel_required", "shopify_cancelled_at")},
        ),
        (
            _("Dropi"),
            {
                "fields": (
                    "dropi_order_id",
                    "dropi_status",
                    "placed_at",
                    "shopify_tagged_at",
                    "needs_lookup",
                    "attempts",
                    "next_attempt_at",
                ),
            },
        ),
        (_("Timestamps"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [DropiOrderEventInline]
    actions = [*ConsoleModelAdmin.actions, "retry_placement"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("phone"))
    def phone_status(self, obj: DropiOrder) -> str:
        return secret_display(obj.phone)

    @admin.display(description=_("email"))
    def email_status(self, obj: DropiOrder) -> str:
        return secret_display(obj.email)

    @admin.action(description=_("Retry placement (needs link, address to correct or failed)"), permissions=["change"])
    def retry_placement(self, request: HttpRequest, queryset: QuerySet[DropiOrder]) -> None:
        queued = refused = 0
        for order in queryset:
            try:
                dropi_order_retry(shop=order.shop, order_id=order.shopify_order_id, actor=Actor.STAFF)
                queued += 1
            except ApplicationError:
                refused += 1
        self.message_user(
            request,
            _("Queued %(queued)d order(s) again; %(refused)d could not be retried.")
            % {"queued": queued, "refused": refused},
            messages.SUCCESS if queued else messages.WARNING,
        )


@admin.register(DropiDepartment)
class DropiDepartmentAdmin(ConsoleModelAdmin):
    list_display = ("country", "province_code", "province_name", "dropi_name", "verified", "updated_at")
    list_filter = ("country", "verified")
    search_fields = ("province_code", "province_name", "dropi_name")
    ordering = ("country", "province_name")
