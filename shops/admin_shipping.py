"""Admin of the shipping write-back: the carriers' tracking-URL table staff keep, and each
transition's write-back to Shopify (read-only: the worker's columns).

Registered by ``shops.admin`` (imported there, so Django's admin discovery finds it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from connector.admin_tools import ConsoleModelAdmin, LargeTablePaginator
from shops.models import CarrierTrackingTemplate, ShippingUpdate


@admin.register(CarrierTrackingTemplate)
class CarrierTrackingTemplateAdmin(ConsoleModelAdmin):
    list_display = ("name", "key", "url_template", "verified", "updated_at")
    list_filter = ("verified",)
    search_fields = ("name", "key")
    ordering = ("name",)
    fields = ("name", "key", "url_template", "verified", "note")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"url_template": "https://…/{guia}"}


@admin.register(ShippingUpdate)
class ShippingUpdateAdmin(ConsoleModelAdmin):
    list_display = ("id", "shop", "order", "stage", "guia", "carrier", "state", "error_code", "attempts", "created_at")
    list_filter = ("state", "stage", "error_code", "needs_lookup", "created_at")
    search_fields = ("^shop", "=guia", "=order__order_name", "=order__shopify_order_id")
    search_help_text = _("Shop domain (or its beginning), guía, order name (#1014) or Shopify order id.")
    ordering = ("-id",)
    sortable_by = ("id", "created_at")
    paginator = LargeTablePaginator
    list_select_related = ("order",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
